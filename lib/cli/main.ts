// First: zod's setting must be made before any schema is built (see the module).
import './zod-jitless.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, PgbakError, type ExitCodeValue } from '../errors.js';
import { createLogger, guardConsoleStream, writeConsole, type PgbakLogger } from '../log/index.js';
import { pgbakVersion } from '../version.js';
import type { CommandContext } from './context.js';
import { compareCommand } from './compare.js';
import { keygenCommand } from './keygen.js';
import { listCommand } from './list.js';
import { planCommand } from './plan.js';
import { profilesCommand } from './profiles.js';
import { restoreCommand } from './restore.js';
import { verifyCommand } from './verify.js';
import { pruneCommand } from './prune.js';
import { describeError, errorJson, toPgbakError } from './report-error.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { watchSignals } from './signals.js';
import { routeProcessWarnings } from './process-warnings.js';

/**
 * The command-line shell: parses argv, runs one command, prints, and returns the
 * exit code. The only place that writes the error report and decides the code.
 */
export async function main(argv: string[]): Promise<ExitCodeValue> {
  const raw = hideBin(['node', 'pgbak', ...argv]);
  const wantsJson = raw.includes('--json');
  const debug = raw.includes('--debug');
  // Console output is best effort: a closed stdout/stderr never stops or fails the work.
  const stdout = guardConsoleStream(process.stdout);
  const stderr = guardConsoleStream(process.stderr);
  let logger: PgbakLogger | undefined;
  // --quiet: nothing on success, stdout included (--json still prints its object);
  // what a command printed is shown after all when it fails (status' table, verify's result).
  let held: string[] | undefined;
  const signals = watchSignals((code) => process.exit(code));
  const warnings = routeProcessWarnings((warning) => logger?.debug(`${warning.name}: ${warning.message}`));
  const context = (): CommandContext => {
    if (!logger) throw new Error('logger not ready');
    const print = (text: string) => (held ? held.push(text) : writeConsole(stdout, `${text}\n`));
    return { logger, print, signal: signals.signal, interactive: Boolean(process.stderr.isTTY) };
  };
  try {
    await yargs(raw)
      .scriptName('pgbak')
      .usage('$0 <command> [options]\n\nDeclarative PostgreSQL backups: profiles compiled to pg_dump, one zip per run.')
      .parserConfiguration({ 'camel-case-expansion': false, 'strip-aliased': true, 'duplicate-arguments-array': true })
      .option('env-file', { type: 'string', describe: 'read variables from this dotenv file (default: ./.env if present)', global: true })
      .option('profiles-dir', { type: 'string', describe: 'user profiles folder (default ./profiles, or PGBAK_PROFILES_DIR)', global: true })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout', global: true })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print nothing on success; errors on stderr', global: true })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'more detail, including pg_dump --verbose lines', global: true })
      .option('debug', { type: 'boolean', default: false, describe: 'everything, stack traces included', global: true })
      .middleware((args) => {
        const level = args.debug ? 'debug' : args.verbose ? 'verbose' : args.quiet ? 'quiet' : 'normal';
        logger = createLogger({ level, color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR, stderr });
        // Output meant for a program (--json, status --format prometheus) is printed even with --quiet.
        if (level === 'quiet' && !args.json && args.format !== 'prometheus') held = [];
      })
      .command(runCommand(context))
      .command(planCommand(context))
      .command(profilesCommand(context))
      .command(restoreCommand(context))
      .command(verifyCommand(context))
      .command(listCommand(context))
      .command(pruneCommand(context))
      .command(statusCommand(context))
      .command(compareCommand(context))
      .command(keygenCommand(context))
      .demandCommand(1, 'name a command: run, plan, profiles, restore, verify, list, prune, status, compare or keygen (see --help)')
      .strict()
      .version(pgbakVersion)
      .help()
      .wrap(Math.min(110, process.stdout.columns ?? 100))
      .fail((message, error) => {
        throw error ?? new PgbakError('USAGE', message, { hint: 'see pgbak --help' });
      })
      .parseAsync();
    return ExitCode.ok;
  } catch (caught) {
    const error = toPgbakError(caught);
    const exitCode = signals.exitCode() ?? error.exitCode;
    for (const text of held ?? []) writeConsole(stdout, `${text}\n`);
    writeConsole(stderr, `${describeError(error, debug)}\n`);
    if (wantsJson) writeConsole(stdout, `${JSON.stringify(errorJson(error, exitCode))}\n`);
    return exitCode;
  } finally {
    signals.dispose();
    warnings.dispose();
    await logger?.close();
  }
}
