import type { CommandModule } from 'yargs';
import { listProfiles } from '../config/load-profile.js';
import { loadCommandConfig } from '../config/run-config.js';
import type { CommandContext, GlobalArgs } from './context.js';

/** `pgbak profiles`: what can be run. */
export function profilesCommand(ctx: () => CommandContext): CommandModule<object, GlobalArgs> {
  return {
    command: 'profiles',
    describe: 'List built-in and user profiles, one line each',
    handler: async (args) => {
      const { env, profileDirs } = await loadCommandConfig({ envFile: args['env-file'], profilesDir: args['profiles-dir'] });
      const profiles = await listProfiles(profileDirs, env);
      const { print } = ctx();
      if (args.json) return print(JSON.stringify(profiles));
      const width = Math.max(...profiles.map((p) => p.name.length));
      print(
        profiles
          .map((p) => `${p.name.padEnd(width)}  ${p.origin.padEnd(8)}  ${p.error ? `INVALID: ${p.error.split('\n')[0]}` : (p.description ?? '')}`)
          .join('\n'),
      );
    },
  };
}
