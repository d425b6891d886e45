import { execa } from 'execa';

/** What running `<tool> --version` produced. */
export interface VersionProbe {
  /** undefined when the program did not exit normally (not started, killed, timed out). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Why it failed to run, when it did (spawn error, timeout). */
  failure?: string;
}

/** Runs `<file> --version`; injected so discovery logic is testable without processes. */
export type RunVersion = (file: string, env: Readonly<Record<string, string | undefined>>) => Promise<VersionProbe>;

const VERSION_TIMEOUT_MS = 5_000;

/**
 * The real runner. It gets the caller's environment (not pgbak's own), because
 * Debian's pg_wrapper picks a version from it (PGCLUSTER, PG_CLUSTER_CONF_ROOT).
 */
export const runVersion: RunVersion = async (file, env) => {
  const result = await execa(file, ['--version'], {
    env,
    extendEnv: false,
    reject: false,
    timeout: VERSION_TIMEOUT_MS,
    stdin: 'ignore',
    // A tool that hangs must not hang discovery: kill hard after the timeout.
    forceKillAfterDelay: 1_000,
  });
  const probe: VersionProbe = {
    exitCode: result.exitCode,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
  };
  if (result.failed && result.exitCode === undefined) {
    probe.failure = result.timedOut ? `timed out after ${VERSION_TIMEOUT_MS / 1000} s` : result.shortMessage;
  }
  return probe;
};
