import { dirname, resolve } from 'node:path';
import { PgbakError } from '../errors.js';
import type { Connection } from './connection-types.js';
import { deepFreeze } from './deep-freeze.js';
import { loadEnv, type Env } from './env-file.js';
import { loadProfile, type LoadedProfile } from './load-profile.js';
import { resolveOutputDir } from './output-dir.js';
import { resolveProfileDirs, type ProfileDirs } from './profile-dirs.js';
import type { ConnectionFlags } from './resolve-connection.js';
import { resolveServers, type RunServer } from './servers.js';
import { applyRunOverrides, type StepOverrides } from './run-overrides.js';
import { readSigningKey, type SigningKey } from './signing-key.js';
import { resolveStorage, type Storage } from './storage.js';
import { resolveEncryption, type Encryption } from './encryption.js';

/** What every command starts from: flags naming where configuration lives. */
export interface ConfigInput {
  /** Defaults to `process.cwd()`. */
  cwd?: string | undefined;
  /** Defaults to `process.env`: the one place pgbak reads it. */
  env?: Env | undefined;
  /** A dotenv file; `.env` in cwd is read when present. */
  envFile?: string | undefined;
  /** `--profiles-dir` (else `PGBAK_PROFILES_DIR`, else `./profiles`). */
  profilesDir?: string | undefined;
}

/**
 * The environment a command works with, read once at the edge: the process
 * environment over the env file's variables (PG*, DATABASE_URL, PGBAK_*, and the
 * rest a child process or tool search needs), and the profile folders.
 */
export interface CommandConfig {
  readonly cwd: string;
  readonly env: Env;
  readonly profileDirs: Readonly<ProfileDirs>;
}

/** Reads the environment (and the env file) once; the result is frozen. */
export async function loadCommandConfig(input: ConfigInput, warn?: (message: string) => void): Promise<Readonly<CommandConfig>> {
  const cwd = input.cwd ?? process.cwd();
  // A copy: without an env file loadEnv hands back what it was given, and the
  // process environment itself must neither be frozen nor be read again later.
  const env = Object.freeze({ ...(await loadEnv({ envFile: input.envFile, cwd, env: input.env ?? process.env, warn })) });
  return Object.freeze({ cwd, env, profileDirs: Object.freeze(resolveProfileDirs({ cwd, env, profilesDir: input.profilesDir })) });
}

/** Everything `plan` and `run` accept besides how to report: flags, environment, profile. */
export interface RunConfigInput extends ConfigInput {
  /** Profile name (user folder first, then built-in) or a path to a YAML file. */
  profile: string;
  /** `--output-dir` > `PGBAK_OUTPUT_DIR` > the profile's `outputDir` > `./backups`. */
  outputDir?: string | undefined;
  /** `--storage` URLs (`s3://bucket/prefix/` or a folder): replace the profile's `storage:`. */
  storage?: readonly string[] | undefined;
  connection?: ConnectionFlags | undefined;
  overrides?: StepOverrides | undefined;
}

/** One run's configuration, trusted and frozen: nothing downstream reads flags, env or the file again. */
export interface RunConfig extends CommandConfig {
  /** The profile as this run uses it: parsed once, command-line overrides applied and checked. */
  readonly profile: LoadedProfile;
  /**
   * The run's local folder: the first local storage's, else `--output-dir` > PGBAK_OUTPUT_DIR >
   * the profile's outputDir > ./backups. Holds the run log and the locks even when the
   * archive goes to S3 only.
   */
  readonly outputDir: string;
  /** Where the archive goes, every copy at once (at least one). */
  readonly storage: readonly Storage[];
  readonly connection: Connection;
  /**
   * Every server the run backs up, each with its own folder and storage: one for a profile
   * with `connection:`, one per entry of `connections:`. `connection`, `outputDir` and
   * `storage` above are the first server's.
   */
  readonly servers: readonly RunServer[];
  /** The profile's `signing.keyFile`, read and checked; null when the profile does not sign. */
  readonly signing: SigningKey | null;
  /** age encryption of the archive (profile `encryption:`), keys read; null: none. */
  readonly encryption: Encryption | null;
}

/**
 * Loads a run's configuration once: env file and environment, the profile file
 * (one parse that reports every problem with file and path), the command-line
 * overrides, the output folder and the connection. `warn` gets the env file's
 * permission warning and the profile's deprecated spellings.
 */
export async function loadRunConfig(input: RunConfigInput, warn?: (message: string) => void): Promise<Readonly<RunConfig>> {
  const base = await loadCommandConfig(input, warn);
  const { cwd, env } = base;
  const loaded = await loadProfile(input.profile, base.profileDirs, env, cwd);
  for (const line of loaded.deprecations ?? []) warn?.(line);
  const profile = applyRunOverrides(loaded, input.overrides ?? {});
  const stateDir = resolveOutputDir({ cwd, env, flag: input.outputDir, profile: profile.profile.outputDir });
  const storage = outputDirFlagMovesLocalCopy(
    resolveStorage({ cwd, env, flags: input.storage, profile: profile.profile.storage, outputDir: stateDir }),
    input,
    stateDir,
  );
  const servers = await resolveServers({ env, profile: profile.profile, file: profile.file, profileDir: dirname(profile.file), flags: input.connection, storage, stateDir });
  const { connection, outputDir } = servers[0]!;
  const keyFile = profile.profile.signing?.keyFile;
  const signing = keyFile ? await readSigningKey(resolve(dirname(profile.file), keyFile), `profile ${profile.file}: signing.keyFile`) : null;
  const encryption = await resolveEncryption(profile.profile.encryption, { env, profileDir: dirname(profile.file), where: profile.file });
  return deepFreeze({ ...base, profile, outputDir, storage: servers[0]!.storage, connection, servers, signing, encryption });
}

/**
 * `-o/--output-dir` is the local shortcut: with a profile whose `storage:` has a local
 * copy, the flag moves that copy (the explicit flag wins over the file, as everywhere);
 * S3 entries stay. With several local copies it cannot say which: refused. `--storage`
 * already replaced the whole list, so then the flag only says where the log goes.
 */
function outputDirFlagMovesLocalCopy(storage: Storage[], input: RunConfigInput, stateDir: string): Storage[] {
  if (input.outputDir === undefined || (input.storage !== undefined && input.storage.length > 0)) return storage;
  const locals = storage.filter((where) => where.kind === 'local');
  if (locals.length === 0) return storage;
  if (locals.length > 1) {
    throw new PgbakError('USAGE', `--output-dir ${input.outputDir}: the profile's storage has ${locals.length} local folders, and the flag cannot say which one it replaces`, {
      hint: 'name every destination with --storage (repeat it), or drop --output-dir',
    });
  }
  return storage.map((where) => (where.kind === 'local' ? { kind: 'local', dir: stateDir } : where));
}

