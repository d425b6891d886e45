import { join, resolve } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { Env } from './env-file.js';

/** The folder of built-in profiles shipped with pgbak (`profiles/` beside `dist/`). */
export const builtInProfilesDir = join(packageRoot, 'profiles');

export interface ProfileDirs {
  /**
   * Searched first: `--profiles-dir`, else `PGBAK_PROFILES_DIR`, else `./profiles`;
   * null when that is the built-in folder itself (running from pgbak's own checkout).
   */
  user: string | null;
  builtIn: string;
}

export function resolveProfileDirs(options: { cwd: string; env: Env; profilesDir?: string | undefined }): ProfileDirs {
  const user = resolve(options.cwd, options.profilesDir ?? options.env.PGBAK_PROFILES_DIR ?? 'profiles');
  const builtIn = resolve(builtInProfilesDir);
  return { user: user === builtIn ? null : user, builtIn };
}
