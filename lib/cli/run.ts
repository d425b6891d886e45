import type { CommandModule } from 'yargs';
import { listProfiles } from '../config/load-profile.js';
import { loadCommandConfig, loadRunConfig } from '../config/run-config.js';
import { PgbakError, toPgbakError } from '../errors.js';
import { isPerDatabase } from '../plan/compile-fleet.js';
import { fleetFailure, runFleet, type FleetSummary } from '../run/run-fleet.js';
import { runProfile, type RunSummary } from '../run/run-profile.js';
import { formatBytes } from '../log/index.js';
import type { CommandContext } from './context.js';
import { toRunConfigInput, withRunOptions, type RunArgs } from './run-options.js';

/** Flags of `pgbak run`. */
export interface RunCommandArgs extends RunArgs {
  all?: boolean;
}

/** `pgbak run <profile>`: back up now; `run --all`: every profile of the profiles folder. */
export function runCommand(ctx: () => CommandContext): CommandModule<object, RunCommandArgs> {
  return {
    command: 'run [profile]',
    describe: 'Run a profile: dump, stream into one zip with manifest and log (one per database for databases: all or a list)',
    builder: (yargs) =>
      withRunOptions(yargs, { optionalProfile: true }).option('all', {
        type: 'boolean',
        describe: 'run every profile of the profiles folder (./profiles or --profiles-dir), one after the other: e.g. one profile per server',
      }) as never,
    handler: async (args) => {
      if (args.all === true && args.profile !== undefined) throw new PgbakError('USAGE', 'give a profile or --all, not both', { hint: 'pgbak run nightly, or pgbak run --all' });
      if (args.all !== true && args.profile === undefined) throw new PgbakError('USAGE', 'which profile? give its name, or --all', { hint: 'list them with `pgbak profiles`' });
      if (args.all === true) return runAll(ctx, args);
      const outcome = await runOne(ctx, args, args.profile!);
      const { print } = ctx();
      if ('archives' in outcome) {
        if (!args.json) print(describeFleet(outcome));
        if (!outcome.ok) throw fleetFailure(outcome);
        if (args.json) print(JSON.stringify(outcome));
        return;
      }
      print(args.json ? JSON.stringify(outcome) : describeSummary(outcome));
    },
  };
}

async function runOne(ctx: () => CommandContext, args: RunArgs, profile: string): Promise<RunSummary | FleetSummary> {
  const { logger, signal, interactive } = ctx();
  const config = await loadRunConfig(toRunConfigInput({ ...args, profile }), (message) => logger.warn(message));
  if (isPerDatabase(config.profile.profile) || config.servers.length > 1) return runFleet({ config, logger, signal });
  return runProfile({ config, logger, signal, progress: interactive && !args.quiet && !args.json });
}

// Every user profile of the folder, one after the other (each runs its own databases
// concurrently); one that fails does not stop the next.
async function runAll(ctx: () => CommandContext, args: RunCommandArgs): Promise<void> {
  const { logger, print, signal } = ctx();
  const { env, profileDirs } = await loadCommandConfig({ envFile: args['env-file'], profilesDir: args['profiles-dir'] });
  const profiles = (await listProfiles(profileDirs, env)).filter((p) => p.origin === 'user');
  if (profiles.length === 0) throw new PgbakError('USAGE', `no profiles in ${profileDirs.user ?? 'the profiles folder'}`, { hint: 'put one YAML profile per server there, or give --profiles-dir' });
  const results: Array<{ profile: string; ok: boolean; summary?: RunSummary | FleetSummary; error?: { code: string; message: string } }> = [];
  for (const profile of profiles) {
    if (signal.aborted) break;
    try {
      const summary = await runOne(ctx, args, profile.file);
      const ok = !('archives' in summary) || summary.ok;
      results.push({ profile: profile.name, ok, summary });
      if (!args.json) print('archives' in summary ? describeFleet(summary) : describeSummary(summary));
    } catch (error) {
      const failure = toPgbakError(error);
      logger.error(`${profile.name}: ${failure.message}`);
      results.push({ profile: profile.name, ok: false, error: { code: failure.code, message: failure.message } });
    }
  }
  const failed = results.filter((r) => !r.ok).map((r) => r.profile);
  const report = { ok: failed.length === 0 && !signal.aborted, profiles: results, failed };
  if (failed.length > 0) {
    throw new PgbakError('DATABASES_FAILED', `${failed.length} of ${profiles.length} profiles failed: ${failed.join(', ')}`, { hint: 'the lines above (or --json) say why', details: report });
  }
  if (args.json) print(JSON.stringify(report));
}

function describeSummary(summary: RunSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  return `${summary.archive}\t${formatBytes(summary.bytes)}\t${seconds}s`;
}

function describeFleet(summary: FleetSummary): string {
  const several = summary.servers.length > 1;
  const failure = (error: { code: string; message: string } | undefined) => (error ? `${error.code}: ${error.message.split('\n')[0]}` : '');
  const lines = summary.servers.filter((s) => s.status === 'failed').map((s) => `${s.name}\tFAILED\t${failure(s.error)}`);
  for (const a of summary.archives) {
    const server = several ? `${a.server}\t` : '';
    lines.push(a.summary ? `${server}${describeSummary(a.summary)}` : `${server}${a.database}\t${a.status.toUpperCase()}\t${failure(a.error)}`);
  }
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const written = summary.archives.filter((a) => a.status === 'ok').length;
  const servers = several ? ` from ${summary.servers.filter((s) => s.status === 'ok').length} of ${summary.servers.length} servers` : '';
  lines.push(`${written} of ${summary.archives.length} archives written${servers}, ${summary.concurrency} at a time, ${seconds}s`);
  return lines.join('\n');
}
