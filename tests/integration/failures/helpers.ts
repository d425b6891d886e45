// Shared by the failure tests: temp output folders, the fake pg_dump, and the
// checks every failed run must pass (a short error report, no backup-looking file).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const fakePgBin = fileURLToPath(new URL('../../support/fixtures/fake-pg-dump/', import.meta.url));

/** Temp folders made by one test file; `removeAll` in afterAll. */
export function tempDirs() {
  const made: string[] = [];
  return {
    async make(prefix = 'pgbak-fail-'): Promise<string> {
      const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async removeAll(): Promise<void> {
      await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Every file and folder under `dir`, relative, folders with a trailing slash. */
export async function listTree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      out.push(`${entry.name}/`);
      for (const inner of await listTree(path.join(dir, entry.name))) out.push(`${entry.name}/${inner}`);
    } else {
      out.push(entry.name);
    }
  }
  return out.sort();
}

/**
 * Nothing under `dir` looks like a backup (no *.zip, no *.zip.partial), no private
 * temp dir of a directory-format dump is left, and the run lock was released.
 */
export async function expectNoBackup(dir: string): Promise<void> {
  const tree = await listTree(dir);
  expect(tree.filter((name) => /\.zip(\.partial)?$/.test(name))).toEqual([]);
  expect(tree.filter((name) => /(^|\/)\.pgbak-tmp-/.test(name))).toEqual([]);
  expect(tree.filter((name) => /\.lock$/.test(name))).toEqual([]);
}

/** The run logs (*.log) under `dir`, parsed (one JSON object per line). */
export async function readRunLogs(dir: string): Promise<Array<{ file: string; text: string; records: Array<Record<string, unknown>> }>> {
  const files = (await listTree(dir)).filter((name) => name.endsWith('.log'));
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(path.join(dir, file), 'utf8');
      const records = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return { file, text, records };
    }),
  );
}

export interface ErrorReport {
  message: string;
  hint: string | undefined;
  /** Lines after `pgbak: error:` that are neither the hint nor indented detail. */
  stray: string[];
}

/**
 * The error report at the end of stderr: the last `pgbak: error: …` line, then at
 * most a `hint: …` line, and nothing after it. `detail` allows indented lines
 * between them (a profile's list of problems). Earlier `pgbak: error:` lines are the
 * run log echoed on the console (the tool's stderr, "run failed, …").
 */
export function errorReport(stderr: string, { detail = false } = {}): ErrorReport {
  const lines = stderr.replace(/\n+$/, '').split('\n');
  const starts = lines.map((line, index) => (line.startsWith('pgbak: error: ') ? index : -1)).filter((index) => index >= 0);
  expect(starts.length).toBeGreaterThan(0);
  const start = starts[starts.length - 1] as number;
  const rest = lines.slice(start + 1);
  const details = detail ? rest.filter((line) => line.startsWith('  ')) : [];
  const after = rest.filter((line) => !details.includes(line));
  const hint = after[0]?.startsWith('hint: ') ? after[0].slice('hint: '.length) : undefined;
  const report = {
    message: [(lines[start] as string).slice('pgbak: error: '.length), ...details].join('\n'),
    hint,
    stray: after.slice(hint === undefined ? 0 : 1),
  };
  expect(report.stray).toEqual([]);
  if (!detail) expect(after.length).toBeLessThanOrEqual(1);
  return report;
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `file` holds a pid (the fake pg_dump writes it when it starts). */
export async function waitForPid(file: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no pid in ${file} after ${timeoutMs} ms`);
}

/** Whether a process with this pid exists (signal 0 probe; ESRCH means gone). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Kills a leftover fake pg_dump, if a test failed before pgbak could. */
export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
