import type { Env } from '../config/env-file.js';
import { loadProfile, type LoadedProfile } from '../config/load-profile.js';
import { resolveOutputDir } from '../config/output-dir.js';
import type { ProfileDirs } from '../config/profile-dirs.js';
import { loadCommandConfig, type ConfigInput } from '../config/run-config.js';
import { isPgbakError } from '../errors.js';

/** Where `list`, `prune` and `status` look, decided as `run` decides where it writes. */
export interface FolderChoice {
  outputDir: string;
  /** The `--profile` profile when it was loaded to find its outputDir. */
  profile: LoadedProfile | null;
}

/**
 * `--output-dir` > `PGBAK_OUTPUT_DIR` > the named profile's `outputDir` > `./backups`.
 * A profile name with no profile file (deleted since its backups were made) is
 * fine: it still filters the listing.
 */
export async function resolveOutputFolder(options: {
  cwd: string;
  env: Env;
  dirs: ProfileDirs;
  outputDir?: string | undefined;
  profile?: string | undefined;
}): Promise<FolderChoice> {
  const explicit = options.outputDir ?? options.env.PGBAK_OUTPUT_DIR;
  if (explicit !== undefined) return { outputDir: resolveOutputDir({ cwd: options.cwd, env: options.env, flag: options.outputDir }), profile: null };
  const profile = options.profile === undefined ? null : await loadIfPresent(options.profile, options.dirs, options.env, options.cwd);
  return { outputDir: resolveOutputDir({ cwd: options.cwd, env: options.env, profile: profile?.profile.outputDir }), profile };
}

/** The profile, or null when no file of that name exists; an invalid file still throws. */
export async function loadIfPresent(name: string, dirs: ProfileDirs, env: Env, cwd: string): Promise<LoadedProfile | null> {
  try {
    return await loadProfile(name, dirs, env, cwd);
  } catch (error) {
    if (isPgbakError(error) && error.code === 'PROFILE_NOT_FOUND') return null;
    throw error;
  }
}

/** The configuration `list`, `prune` and `status` start from, read once from flags and the environment. */
export interface FolderContext extends FolderChoice {
  cwd: string;
  env: Env;
  dirs: ProfileDirs;
}

/** Reads the env file, finds the profile folders and decides the output folder. */
export async function openFolderContext(options: ConfigInput & { outputDir?: string | undefined; profile?: string | undefined }): Promise<FolderContext> {
  const { cwd, env, profileDirs: dirs } = await loadCommandConfig(options);
  const choice = await resolveOutputFolder({ cwd, env, dirs, outputDir: options.outputDir, profile: options.profile });
  return { ...choice, cwd, env, dirs };
}
