// Runs the built CLI (bin/pgbak.js -> dist/) as a real child process, the way an
// operator or a CI job does. `npm test` builds dist/ first (pretest).
import { fileURLToPath } from 'node:url';
import { execa, type Options, type ResultPromise } from 'execa';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const pgbakBin = fileURLToPath(new URL('../../bin/pgbak.js', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pgbak <args>` and resolves with its exit code and output (never rejects
 * on a non-zero exit). `env` replaces the PG* variables of the test process:
 * nothing from the developer's shell leaks into the test.
 */
export async function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeout?: number } = {}): Promise<CliResult> {
  const result = await startCli(args, options);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Starts `pgbak <args>` without waiting, for tests that signal it mid-run. */
export function startCli(args: string[], options: { env?: Record<string, string>; cwd?: string; timeout?: number } = {}): ResultPromise<Options> {
  return execa(process.execPath, [pgbakBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...cleanEnv(), NO_COLOR: '1', ...options.env },
    extendEnv: false,
    reject: false,
    timeout: options.timeout ?? 120_000,
    stdin: 'ignore',
  }) as ResultPromise<Options>;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^PG|^DATABASE_URL$|^PGBAK_(?!TEST_)/.test(key)) continue;
    env[key] = value;
  }
  return env;
}
