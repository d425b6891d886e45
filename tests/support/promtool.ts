// `promtool check metrics` / `check rules` (Debian package `prometheus`) on what pgbak
// writes: a lint problem fails the test. Where promtool is missing, tests that need it
// are skipped with a message, except in CI (CI=true), where that is a failure: CI installs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// PGBAK_TEST_PROMTOOL names another promtool (a path that does not exist plays a machine without it).
function findPromtool(): string | null {
  const chosen = process.env.PGBAK_TEST_PROMTOOL;
  if (chosen !== undefined) return existsSync(chosen) ? chosen : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat('/usr/bin')) {
    const candidate = join(dir, 'promtool');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

export const promtool = findPromtool();
const inCi = process.env.CI === 'true';

if (promtool === null && !inCi) {
  console.warn('promtool not found (Debian package prometheus): the tests that check metrics with it are skipped');
}

/** `it` when promtool can run (or in CI, where its absence fails the test); `it.skip` otherwise. */
export const itWithPromtool: jest.It = promtool !== null || inCi ? it : it.skip;

function requirePromtool(): string {
  if (promtool === null) throw new Error('promtool is not installed, and CI must check the metrics with it: install the Debian package prometheus');
  return promtool;
}

/** Fails (with promtool's words) when `promtool check metrics` finds a problem in `text`. */
export function expectValidMetrics(text: string): void {
  const result = spawnSync(requirePromtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`promtool check metrics exited with ${result.status}: ${`${result.stdout}${result.stderr}`.trim()}\n--- the metrics:\n${text}`);
  }
}

/** Fails when `promtool check rules` refuses the rule file. */
export function expectValidRules(file: string): void {
  try {
    execFileSync(requirePromtool(), ['check', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`promtool check rules ${file} exited with ${failed.status}: ${`${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim()}`);
  }
}
