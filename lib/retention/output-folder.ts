import type { Env } from '../config/env-file.js';
import { loadProfile, type LoadedProfile } from '../config/load-profile.js';
import { resolveOutputDir } from '../config/output-dir.js';
import type { ProfileDirs } from '../config/profile-dirs.js';
import { loadCommandConfig, type ConfigInput } from '../config/run-config.js';
import { isPgbakError, PgbakError } from '../errors.js';
import { expandPrefix, prefixPlaceholders, resolveStorage, type S3Storage } from '../config/storage.js';
import { FolderRepository, isS3Location, openRepository, openS3Repository, type BackupRepository } from '../storage/index.js';

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

/** Where `list`, `prune` and `status` look, opened: a folder or a bucket's prefix. */
export interface RepositoryContext extends FolderContext {
  /** The caller closes it. */
  repository: BackupRepository;
}

/**
 * The configuration, and the repository the command reads: the positional location
 * (`pgbak list s3://bucket/prefix/`) or `--output-dir` (a folder or an `s3://` URL) —
 * the two must agree when both are given —, else `PGBAK_OUTPUT_DIR`, the profile's
 * outputDir, `./backups`. `outputDir` is then the repository's location.
 */
export async function openRepositoryContext(
  options: ConfigInput & { location?: string | undefined; outputDir?: string | undefined; profile?: string | undefined },
): Promise<RepositoryContext> {
  if (options.location !== undefined && options.outputDir !== undefined && options.location !== options.outputDir) {
    throw new PgbakError('USAGE', `two locations: ${options.location} and --output-dir ${options.outputDir}`, { hint: 'give the folder or s3:// URL once' });
  }
  if (options.location === '') throw new PgbakError('USAGE', 'the location is empty', { hint: 'name a folder or s3://bucket/prefix/' });
  const { cwd, env, profileDirs: dirs } = await loadCommandConfig(options);
  const explicit = options.location ?? options.outputDir ?? (env.PGBAK_OUTPUT_DIR !== undefined && isS3Location(env.PGBAK_OUTPUT_DIR) ? env.PGBAK_OUTPUT_DIR : undefined);
  if (explicit !== undefined && isS3Location(explicit)) {
    const flag = options.location !== undefined ? 'the location' : options.outputDir !== undefined ? '--output-dir' : 'PGBAK_OUTPUT_DIR';
    const repository = await openRepository(explicit, { env, cwd, flag });
    const profile = options.profile === undefined ? null : await loadIfPresent(options.profile, dirs, env, cwd);
    return { outputDir: repository.location, profile, cwd, env, dirs, repository };
  }
  const choice = await resolveOutputFolder({ cwd, env, dirs, outputDir: explicit ?? options.outputDir, profile: options.profile });
  const stored = explicit === undefined && choice.profile?.profile.storage ? await openProfileStorage(choice.profile, { cwd, env }) : null;
  if (stored) return { ...choice, outputDir: stored.location, cwd, env, dirs, repository: stored };
  return { ...choice, cwd, env, dirs, repository: await openRepository(choice.outputDir, { env, cwd }) };
}

/**
 * Where a profile with `storage:` keeps its backups: its first local folder, else its first
 * bucket. A prefix with `{host}` or `{database}` depends on the connection: it must be named.
 */
async function openProfileStorage(loaded: LoadedProfile, options: { cwd: string; env: Env }): Promise<BackupRepository> {
  const storage = resolveStorage({ cwd: options.cwd, env: options.env, profile: loaded.profile.storage, outputDir: options.cwd });
  const local = storage.find((where) => where.kind === 'local');
  if (local && local.dir.includes('{host}')) {
    // One folder per server: the run filled in each server's name.
    throw new PgbakError('USAGE', `profile "${loaded.name}" stores its backups in ${local.dir}, one folder per server`, {
      hint: `name the folder to read (status looks below it too): pgbak status ${local.dir.slice(0, local.dir.indexOf('{host}')) || '.'}`,
    });
  }
  if (local) return new FolderRepository(local.dir);
  const bucket = storage.find((where): where is S3Storage => where.kind === 's3')!;
  // Expanded as the run expands it (the same sanitising): only {profile} is known here.
  const prefix = expandPrefix(bucket.prefix, { profile: loaded.name });
  if (prefixPlaceholders(bucket.prefix).some((key) => key !== 'profile')) {
    throw new PgbakError('USAGE', `profile "${loaded.name}" stores its backups under s3://${bucket.bucket}/${bucket.prefix}, which depends on the connection`, {
      hint: `name the prefix to read: s3://${bucket.bucket}/${prefix.replace(/\{host\}/g, '<host>').replace(/\{database\}/g, '<database>')}`,
    });
  }
  return openS3Repository({ ...bucket, prefix }, options.env);
}
