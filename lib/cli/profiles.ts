import type { CommandModule } from 'yargs';
import { loadEnv } from '../config/env-file.js';
import { listProfiles } from '../config/load-profile.js';
import { resolveProfileDirs } from '../config/profile-dirs.js';
import type { CommandContext, GlobalArgs } from './context.js';

/** `pgbak profiles`: what can be run. */
export function profilesCommand(ctx: () => CommandContext): CommandModule<object, GlobalArgs> {
  return {
    command: 'profiles',
    describe: 'List built-in and user profiles, one line each',
    handler: async (args) => {
      const cwd = process.cwd();
      const env = await loadEnv({ envFile: args['env-file'], cwd, env: process.env });
      const profiles = await listProfiles(resolveProfileDirs({ cwd, env, profilesDir: args['profiles-dir'] }), env);
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
