import type { CommandModule } from 'yargs';
import { loadRunConfig } from '../config/run-config.js';
import { runProfile, type RunSummary } from '../run/run-profile.js';
import { formatBytes } from '../log/index.js';
import type { CommandContext } from './context.js';
import { toRunConfigInput, withRunOptions, type RunArgs } from './run-options.js';

/** `pgbak run <profile>`: back up now. */
export function runCommand(ctx: () => CommandContext): CommandModule<object, RunArgs> {
  return {
    command: 'run <profile>',
    describe: 'Run a profile: dump, stream into one zip with manifest and log',
    builder: (yargs) => withRunOptions(yargs) as never,
    handler: async (args) => {
      const { logger, print, signal, interactive } = ctx();
      const config = await loadRunConfig(toRunConfigInput(args), (message) => logger.warn(message));
      const summary = await runProfile({ config, logger, signal, progress: interactive && !args.quiet && !args.json });
      print(args.json ? JSON.stringify(summary) : describeSummary(summary));
    },
  };
}

function describeSummary(summary: RunSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  return `${summary.archive}\t${formatBytes(summary.bytes)}\t${seconds}s`;
}
