import type { DecryptionKeys } from '../crypto/age/index.js';
import { stat } from 'node:fs/promises';
import { withSslPasswordFiles } from '../config/ssl-password-file.js';
import type { ManifestDatabaseDefinition, ManifestStep } from '../archive/index.js';
import type { DatabaseSqlOptions } from '../engines/native/index.js';
import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import { loadCommandConfig, type CommandConfig } from '../config/run-config.js';
import type { ConnectionFlags } from '../config/resolve-connection.js';
import { withClient, type QueryClient } from '../db/client.js';
import { quoteIdent } from '../sql/quote.js';
import { readDataFacts } from '../db/row-counts.js';
import { createScopeFilter } from '../db/table-scope.js';
import { readServerInfo } from '../db/server-info.js';
import { archiveInvalid } from '../archive/archive-invalid.js';
import { ExitCode, isPgbakError, PgbakError, toPgbakError } from '../errors.js';
import { createLogger, type PgbakLogger } from '../log/index.js';
import type { ToolInfo } from '../tools/index.js';
import { pgbakVersion } from '../version.js';
import type { ScriptScan } from '../sql/script/index.js';
import { checkScripts } from './check-scripts.js';
import { checkUnrestrictedScripts } from './restrict-psql.js';
import { chooseTools } from './choose-tools.js';
import { NATIVE_LOADER } from './native-loader-glue.js';
import { compareFacts, type Mismatch, type StepChecks } from './compare-facts.js';
import { readDumpedSequences } from './dumped-sequences.js';
import type { SequenceValues } from './sequence-sets.js';
import { isS3Location, type ArchiveSource } from '../storage/index.js';
import type { S3ClientOptions } from '../storage/s3/index.js';
import { openPlaceSource, resolveArchivePlace, type ArchivePlace } from './archive-place.js';
import { authenticityOf, loadVerifyKeys, reportAuthenticity } from './authenticity.js';
import { isStorageFailure, openArchive, type OpenedArchive } from './open-archive.js';
import type { SignatureRefusal, VerifyKey } from '../crypto/signing/index.js';
import { checkMetaAgrees } from './meta-agrees.js';
import { restoreItem } from './restore-item.js';
import { scratchDatabaseName } from './scratch-name.js';
import { inputOf } from './select-items.js';
import { createDatabase, dropDatabase } from './target-db.js';
import type { RestoreItem, RestoreLoader } from './types.js';
import { readVerdict, verifiedRecordPath, writeVerifiedRecordAt, type VerifiedRecord, type VerifyOutcome } from './verified-record.js';
import { checkZipChecksum, type ZipChecksum } from './zip-checksum.js';
import { resolveVerifyConnection } from './verify-connection.js';

/** What `verifyArchive` accepts. */
export interface VerifyOptions {
  /** Path of the backup zip, or `s3://bucket/key` (read in place by ranged GETs; the record goes beside it in the bucket). */
  archive: string;
  /**
   * Other copies of the same bytes (`run --verify` with several storages: a local
   * path, `s3://…`): not read, but the record is written beside each of them too.
   */
  copies?: readonly string[] | undefined;
  /** How to reach the bucket of an s3:// archive (a run's storage settings); default: from the environment. */
  s3Client?: S3ClientOptions | undefined;
  /**
   * An already-resolved connection (`run --verify` passes the run's): used as is,
   * its database serving as the maintenance database. Without it, the connection
   * is resolved from the manifest, the environment and `server` / `connectionFlags`.
   */
  connection?: Connection;
  /** `host[:port]` of another server to verify on. */
  server?: string | undefined;
  connectionFlags?: ConnectionFlags;
  /** Maintenance database for CREATE / DROP DATABASE (default `postgres`). */
  maintenanceDb?: string | undefined;
  /** Parallel jobs: pg_restore's for custom and directory entries, pgbak's for a split native dump. */
  jobs?: number | undefined;
  /**
   * Who runs plain SQL entries, as for `restore`: `auto` (default) uses psql when a
   * usable one is installed and pgbak's native loader otherwise; `native` always uses the loader.
   */
  loader?: RestoreLoader | undefined;
  /** Write `<zip>.verified.json` (default true). */
  record?: boolean;
  /**
   * Files of Ed25519 public keys (`--verify-key`): the archive must be signed by one of
   * them, or it is refused (exit 3) before anything is restored. Default: PGBAK_VERIFY_KEY_FILE.
   */
  verifyKeyFiles?: readonly string[] | undefined;
  /** Public keys already read (`run --verify` passes its own signing key's): used instead of verifyKeyFiles. */
  verifyKeys?: readonly VerifyKey[] | undefined;
  cwd?: string;
  env?: Env;
  envFile?: string | undefined;
  /** Keys for an archive encrypted with age (`.zip.age`); `run --verify` passes the file key it encrypted with. */
  keys?: DecryptionKeys | undefined;
  /** The environment already loaded (`run --verify` hands over the run's): env and envFile are then not read. */
  config?: Readonly<CommandConfig> | undefined;
  logger?: PgbakLogger;
  /** Aborting stops the restore; the scratch databases are dropped all the same. */
  signal?: AbortSignal;
}

/** One scratch database: the steps restored into it and what was compared. */
export interface VerifiedDatabase {
  database: string;
  steps: string[];
  scratch: string;
  /** The scratch database's encoding and locales, as the server made it (see createScratch). */
  scratchDefinition: ScratchDefinition;
  checks: StepChecks[];
}

/** How the scratch database was created. */
export interface ScratchDefinition {
  encoding: string;
  collate: string;
  ctype: string;
  /**
   * `dumped`: with the dumped database's encoding, locale provider and locales (native
   * backups record them); `server default`: from template0 with the server's defaults —
   * the backup records no definition, or the server cannot make one like it (the log says why).
   */
  createdAs: 'dumped' | 'server default';
}

/** The verdict (`--json` prints it); also what `<zip>.verified.json` records. */
export interface VerifyResult extends VerifiedRecord {
  databases: VerifiedDatabase[];
  durationMs: number;
  /** Where the record was written, or null when `record: false`. */
  recordPath: string | null;
  /** Every record written (beside the archive and each copy). */
  recordPaths: string[];
  /** The whole zip's sha256 against `<key>.sha256` (s3:// archives only; null for a local file). */
  zipChecksum: ZipChecksum | null;
}

/**
 * Restores every database entry of the archive into uniquely named scratch
 * databases, compares row counts and large objects with the manifest and the
 * sequences with the values the dump sets, and drops the scratch databases
 * whatever happens. Every outcome is recorded in `<zip>.verified.json`:
 * resolves with `ok: false` and the mismatches when the data differs; throws,
 * recorded as `failed`, when the archive is damaged (exit 3) or a restore fails;
 * throws, recorded as `not verified`, when verification could not run (server
 * unreachable, credentials, scratch database, tools) — without replacing an
 * earlier verdict on the same archive.
 */
export function verifyArchive(options: VerifyOptions): Promise<VerifyResult> {
  return withSslPasswordFiles(() => verifyArchiveHeld(options));
}

async function verifyArchiveHeld(options: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now();
  const logger = options.logger ?? createLogger({ level: 'quiet' });
  const cwd = options.cwd ?? process.cwd();
  const loadConfig = async () => options.config ?? (await loadCommandConfig({ cwd, env: options.env, envFile: options.envFile }, (message) => logger.warn(message)));
  // A bucket is reached with the environment's credentials: loaded first. A local file is looked at first.
  const early = isS3Location(options.archive) ? await loadConfig() : undefined;
  const placeOptions = { cwd, env: early?.env ?? {}, s3Client: options.s3Client };
  const place = await resolveArchivePlace(options.archive, placeOptions);
  const copies: ArchivePlace[] = [];
  let source: ArchiveSource | undefined;
  try {
    for (const copy of options.copies ?? []) copies.push(await resolveArchivePlace(copy, placeOptions));
    // No archive, no record: there is nothing beside which to write one.
    let archiveBytes: number;
    if (place.kind === 's3') {
      source = await openPlaceSource(place);
      archiveBytes = source.size;
    } else {
      archiveBytes = await sizeOf(place.location);
    }
    const run: VerifyRun = { place, copies, archiveBytes, server: null, recorded: false, record: options.record !== false };
    try {
      const taken = source;
      source = undefined;
      return await verifyFile(options, run, logger, loadConfig, started, taken);
    } catch (error) {
      // An interrupted verify says nothing, about the backup or the server.
      if (run.recorded || options.signal?.aborted || (isPgbakError(error) && error.code === 'INTERRUPTED')) throw error;
      throw await recordNotVerified(run, toPgbakError(error), logger);
    }
  } finally {
    await source?.close();
    place.close();
    for (const copy of copies) copy.close();
  }
}

/** What the record needs whatever happens, filled in as verification goes. */
interface VerifyRun {
  place: ArchivePlace;
  /** Other copies of the same bytes: each gets the record too. */
  copies: ArchivePlace[];
  archiveBytes: number;
  server: VerifiedRecord['server'];
  /** A verdict (or the reason there is none) was written, or deliberately not. */
  recorded: boolean;
  record: boolean;
  /** The signature's verdict, once the archive was opened (or refused). */
  authenticity?: Pick<VerifiedRecord, 'authenticity' | 'signedBy'>;
}

async function verifyFile(
  options: VerifyOptions,
  run: VerifyRun,
  logger: PgbakLogger,
  loadConfig: () => Promise<Readonly<CommandConfig>>,
  started: number,
  source: ArchiveSource | undefined,
): Promise<VerifyResult> {
  const signal = options.signal ?? new AbortController().signal;
  let zipChecksum: ZipChecksum | null = null;
  try {
    const { env, cwd } = await loadConfig();
    const verifyKeys = options.verifyKeys ?? (await loadVerifyKeys(options.verifyKeyFiles, env, cwd));
    if (source !== undefined) {
      // The object as a whole, against the sha256 the run that uploaded it recorded: one sequential pass.
      zipChecksum = await checkZipChecksum(run.place, source, signal).catch((error: unknown) => failDamaged(run, error));
      if (zipChecksum.status === 'matched') logger.info(`the zip's sha256 matches ${run.place.location}.sha256`);
      else if (zipChecksum.status === 'not recorded') logger.info(`zip checksum not recorded (no ${run.place.location}.sha256): the entries are checked one by one`);
      else logger.warn(`zip checksum not checked: ${zipChecksum.reason}; the entries are checked one by one`);
    }
    const opening = openArchive(source ?? run.place.location, { check: true, logger, env, verifyKeys, keys: options.keys });
    // The archive's reader owns the source now (it closes it, on failure too).
    source = undefined;
    const archive = await opening.catch((error: unknown) => failSignature(run, error)).catch((error: unknown) => failDamaged(run, error));
    run.authenticity = authenticityFields(archive.signature);
    reportAuthenticity(archive.signature, logger);
    await checkMetaAgrees(run.place, archive.manifest).catch(async (error: unknown) => {
      archive.reader.close();
      return failDamaged(run, error);
    });
    return await verifyOpened(options, run, logger, env, started, signal, zipChecksum, archive);
  } finally {
    await source?.close();
  }
}

async function verifyOpened(
  options: VerifyOptions,
  run: VerifyRun,
  logger: PgbakLogger,
  env: Env,
  started: number,
  signal: AbortSignal,
  zipChecksum: ZipChecksum | null,
  archive: Awaited<ReturnType<typeof openArchive>>,
): Promise<VerifyResult> {
  try {
    const { manifest, reader } = archive;
    const connection =
      options.connection ??
      (await resolveVerifyConnection(manifest, { env, server: options.server, flags: options.connectionFlags, maintenanceDb: options.maintenanceDb ?? 'postgres' }));
    if (connection.password) logger.addSecret(connection.password.reveal());
    if (connection.sslpassword) logger.addSecret(connection.sslpassword.reveal());
    run.server = { host: connection.host, port: connection.port, user: connection.user, version: null };
    const groups = groupSteps(manifest.steps);
    if (groups.length === 0) throw new PgbakError('USAGE', `${archive.path} has no database entry to verify`, { hint: 'a globals-only backup cannot be verified by restoring it' });
    const server = await withClient(connection, connection.database, readServerInfo);
    run.server.version = server.version.text;
    const plans = groups.map((steps) => ({ steps, scratch: scratchDatabaseName(manifest.profile.name) }));
    const items = plans.flatMap(({ steps, scratch }) => steps.map((step) => toItem(step, scratch)));
    const tools = await chooseTools(items, env, server.version, logger, { loader: options.loader, connection });
    // No scratch database is created for a script that holds a meta-command pg_dump does not write.
    const scripts = await checkScripts(items, reader);
    checkUnrestrictedScripts(items, scripts, tools, { loader: options.loader });
    logger.info(`verifying ${archive.path} on ${connection.host}:${connection.port} (PostgreSQL ${server.version.text})`);

    const databases: VerifiedDatabase[] = [];
    const mismatches: Mismatch[] = [];
    let failure: PgbakError | undefined;
    for (const plan of plans) {
      if (signal.aborted) throw new PgbakError('INTERRUPTED', 'verify interrupted; the scratch databases were dropped');
      try {
        const create = { serverMajor: server.version.major, sourceMajor: manifest.source.serverVersion.major };
        const result = await verifyGroup(plan, items, { tools, scripts }, reader, connection, env, { jobs: options.jobs, loader: options.loader, create }, logger, signal);
        databases.push(result.database);
        mismatches.push(...result.mismatches);
      } catch (error) {
        // A restore that fails is a verdict on the backup; anything else (a lost server, an interrupt) is not.
        if (!isPgbakError(error) || error.code !== 'STEP_FAILED' || signal.aborted) throw error;
        await throwIfServerGone(connection, error, logger);
        failure = error;
        break;
      }
    }
    const result: VerifyResult = {
      ...verdict(run, failure ? 'failed' : mismatches.length === 0 ? 'verified' : 'failed'),
      mismatches,
      ...(failure ? { error: failure.message } : {}),
      databases,
      durationMs: Date.now() - started,
      recordPath: null,
      recordPaths: [],
      zipChecksum,
    };
    // The verdict stands even if writing it fails: that failure is reported as itself.
    run.recorded = true;
    if (run.record) {
      const { databases: _d, durationMs: _t, recordPath: _r, recordPaths: _p, zipChecksum: _z, archive: _a, ...record } = result;
      result.recordPaths = await writeRecords(run, record);
      result.recordPath = result.recordPaths[0] ?? null;
    }
    if (failure) {
      throw new PgbakError(failure.code, failure.message, {
        hint: `${failure.hint ? `${failure.hint}; ` : ''}recorded in ${verifiedRecordPath(archive.path)}`,
        cause: failure,
      });
    }
    return result;
  } finally {
    archive.reader.close();
  }
}

function verdict(run: VerifyRun, outcome: VerifyOutcome): Omit<VerifiedRecord, 'mismatches'> {
  return {
    archive: run.place.location,
    archiveBytes: run.archiveBytes,
    verifiedAt: new Date().toISOString(),
    ok: outcome === 'verified',
    outcome,
    server: run.server,
    ...run.authenticity,
    pgbak: { version: pgbakVersion },
  };
}

function authenticityFields(signature: OpenedArchive['signature']): NonNullable<VerifyRun['authenticity']> {
  const { authenticity, signedBy } = authenticityOf(signature);
  return { authenticity, signedBy };
}

// A refused signature (exit 3, nothing restored). A manifest or signature that does not
// match, or a malformed signature entry, is a verdict on the archive: recorded as failed.
// Unsigned, or signed by a key not given, may be the keys' doing (an archive from before
// signing, a rotated key): recorded as not verified, keeping an earlier verdict.
async function failSignature(run: VerifyRun, error: unknown): Promise<never> {
  if (!isPgbakError(error) || error.code !== 'SIGNATURE_INVALID') throw error;
  const details = error.details as { reason: SignatureRefusal; signedBy: string | null };
  run.authenticity = { authenticity: 'refused', signedBy: details.signedBy };
  if (details.reason !== 'mismatch' && details.reason !== 'malformed') throw error;
  run.recorded = true;
  const { archive: _a, ...record } = { ...verdict(run, 'failed'), mismatches: [], error: error.message };
  const where = run.record ? `recorded in ${(await writeRecords(run, record)).join(', ')}` : null;
  throw new PgbakError('SIGNATURE_INVALID', error.message, { hint: joinHint(error.hint, where), cause: error, details: error.details });
}

// A damaged archive (not a zip, truncated, an entry that does not match its
// sha256, a broken manifest) is what verify exists to find: a check failure
// (exit 3), recorded. An archive this pgbak cannot read for other reasons (a
// newer manifest format, the file unreadable) says nothing about the backup.
// A storage that failed (an S3 error, a dropped connection, an I/O error) is no verdict either.
async function failDamaged(run: VerifyRun, error: unknown): Promise<never> {
  if (!isPgbakError(error) || isStorageFailure(error)) throw error;
  // An encrypted archive that fails its authentication is as damaged as a zip that does not read.
  if (error.code !== 'ARCHIVE_TAMPERED' && (error.code !== 'ARCHIVE_INVALID' || error.exitCode !== ExitCode.failed)) throw error;
  run.recorded = true;
  const { archive: _a, ...record } = { ...verdict(run, 'failed'), mismatches: [], error: error.message };
  const where = run.record ? `recorded in ${(await writeRecords(run, record)).join(', ')}` : null;
  throw new PgbakError(error.code, error.message, { hint: joinHint(error.hint ?? 'use another backup', where), cause: error, exitCode: ExitCode.check });
}

// Beside the archive and beside each copy of it, each record naming its own copy.
async function writeRecords(run: VerifyRun, record: Omit<VerifiedRecord, 'archive'>): Promise<string[]> {
  const written: string[] = [];
  for (const place of [run.place, ...run.copies]) written.push(await writeVerifiedRecordAt(place, record));
  return written;
}

// A restore that failed because the server went away is no verdict on the backup.
async function throwIfServerGone(connection: Connection, failure: PgbakError, logger: PgbakLogger): Promise<void> {
  try {
    await withClient(connection, connection.database, (client) => client.query('SELECT 1'));
  } catch (error) {
    logger.error(failure.message);
    throw toPgbakError(error);
  }
}

// Verification could not run: recorded as "not verified: <why>" unless the
// archive already has a verdict, which a failed attempt must not erase.
async function recordNotVerified(run: VerifyRun, error: PgbakError, logger: PgbakLogger): Promise<PgbakError> {
  const message = `not verified: ${error.message}`;
  let where: string | null = null;
  if (run.record) {
    try {
      const earlier = await readVerdict(run.place, run.archiveBytes);
      const { archive: _a, ...record } = { ...verdict(run, 'not verified'), mismatches: [], error: error.message };
      if (earlier) where = `the verdict of ${earlier.verifiedAt} (${earlier.outcome}) stays in ${verifiedRecordPath(run.place.location)}`;
      else where = `recorded in ${(await writeRecords(run, record)).join(', ')}`;
    } catch (recordError) {
      logger.warn(`could not record the outcome: ${toPgbakError(recordError).message}`);
    }
  }
  return new PgbakError(error.code, message, {
    ...(error.hint || where ? { hint: joinHint(error.hint, where) } : {}),
    cause: error.cause ?? error,
    exitCode: error.exitCode,
  });
}

// `check the password; recorded in …`: one line, whatever punctuation the first part ends with.
function joinHint(hint: string | undefined, more: string | null): string {
  return [hint?.replace(/[.;\s]+$/, ''), more].filter((part): part is string => !!part).join('; ');
}

async function sizeOf(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw archiveInvalid(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message, { cause: error });
  }
  if (!info.isFile()) throw archiveInvalid(path, info.isDirectory() ? 'is a directory' : 'not a regular file');
  return info.size;
}

async function verifyGroup(
  plan: { steps: ManifestStep[]; scratch: string },
  items: RestoreItem[],
  { tools, scripts }: { tools: Awaited<ReturnType<typeof chooseTools>>; scripts: Map<RestoreItem, ScriptScan> },
  reader: Parameters<typeof restoreItem>[1],
  connection: Connection,
  env: Env,
  { jobs, loader, create }: { jobs: number | undefined; loader: RestoreLoader | undefined; create: ScratchOptions },
  logger: PgbakLogger,
  signal: AbortSignal,
): Promise<{ database: VerifiedDatabase; mismatches: Mismatch[] }> {
  const { steps, scratch } = plan;
  const database = steps[0]!.database!;
  const dumped = steps.find((s) => s.databaseDefinition)?.databaseDefinition ?? null;
  let created = false;
  let scratchDefinition: ScratchDefinition | undefined;
  try {
    scratchDefinition = await withClient(connection, connection.database, async (client) => {
      const createdAs = await createScratch(client, scratch, connection.user, dumped, create, (why) => {
        logger.warn(`${database}: the scratch database cannot be created as the dumped one was (${describeLocale(dumped!)}): ${why}; verifying in one with the server's defaults (restore --create on this server would fail the same way)`);
      });
      created = true;
      return { ...(await readScratchLocale(client, scratch)), createdAs };
    });
    if (scratchDefinition.createdAs === 'dumped') logger.info(`${database}: scratch database ${scratch} created as the dumped one was (${describeLocale(dumped!)})`);
    const mine = items.filter((i) => i.target === scratch);
    logger.info(`${database}: restoring ${mine.map((i) => `${i.step} with ${describeTool(tools.get(i)!)}`).join(' + ')} into scratch database ${scratch}`);
    const sequencesDumped = new Map<string, SequenceValues>();
    for (const item of mine) {
      // Owners and grants may name roles the verifying server lacks; they are not what is compared.
      // A split native dump is loaded in parallel as restore --jobs does.
      const flags = item.format === 'plain' ? { loader, ...(jobs && item.input.type === 'split' ? { jobs } : {}) } : { noOwner: true, noPrivileges: true, ...(jobs && item.format !== 'tar' ? { jobs } : {}) };
      const tool = tools.get(item)!;
      await restoreItem(item, reader, tool, connection, flags, env, { logger, signal }, scripts.get(item));
      const step = steps.find((s) => s.name === item.step)!;
      sequencesDumped.set(item.step, await readDumpedSequences(step, item, reader, item.format === 'plain' ? null : tool, env, { logger, signal }));
    }
    if (signal.aborted) throw new PgbakError('INTERRUPTED', 'verify interrupted; the scratch databases were dropped');
    const countLargeObjects = steps.some((s) => s.largeObjects !== null);
    const facts = await withClient(connection, scratch, (client) =>
      readDataFacts(client, { filter: createScopeFilter(null), mode: 'exact', countLargeObjects }),
    );
    const compared = steps.map((step) => compareFacts(step, facts, sequencesDumped.get(step.name) ?? {}));
    const mismatches = compared.flatMap((c) => c.mismatches);
    for (const m of mismatches) logger.warn(`${m.database}: ${m.check} of ${m.object}: expected ${m.expected}, found ${m.found}`);
    return { database: { database, steps: steps.map((s) => s.name), scratch, scratchDefinition, checks: compared.map((c) => c.checks) }, mismatches };
  } finally {
    if (created) {
      // A fresh connection: the one that created it may be gone, and FORCE ends a killed tool's session.
      await withClient(connection, connection.database, (client) => dropDatabase(client, scratch)).catch((error: unknown) => {
        logger.error(`could not drop the scratch database ${scratch}: ${error instanceof Error ? error.message : String(error)}; drop it by hand`);
      });
      logger.verbose(`dropped scratch database ${scratch}`);
    }
  }
}

type ScratchOptions = Pick<DatabaseSqlOptions, 'serverMajor' | 'sourceMajor'>;

// Creating the scratch database is the first thing verify asks of the server: a
// role that may not is a configuration to fix (exit 2), not a failed backup.
// With the dumped database's definition (native backups), the scratch database gets
// its encoding, locale provider and locales, so that a LATIN1 or C-collation database
// is verified as restore --create would make it (template0; neither owner, tablespace
// nor properties: not what verify compares). A server that cannot (a locale or ICU it
// lacks, an encoding the locale does not allow) gets `fallBack(why)` and the server's defaults.
async function createScratch(
  client: QueryClient,
  scratch: string,
  user: string,
  dumped: ManifestDatabaseDefinition | null,
  options: ScratchOptions,
  fallBack: (why: string) => void,
): Promise<ScratchDefinition['createdAs']> {
  const refused = (error: unknown) => isPgbakError(error) && (error.cause as { code?: string } | undefined)?.code === '42501';
  try {
    if (dumped !== null) {
      try {
        await createDatabase(client, scratch, { definition: { ...dumped, tablespace: null }, options: { ...options, noOwner: true, noPrivileges: true } });
        return 'dumped';
      } catch (error) {
        // A locale, provider, encoding or option the server lacks or refuses (classes 22, 42, 0A);
        // not a missing privilege, not a lost connection: those are not the definition's doing.
        const code = (error as { cause?: { code?: unknown } }).cause?.code;
        if (!isPgbakError(error) || refused(error) || typeof code !== 'string' || !/^(22|42|0A)[0-9A-Z]{3}$/.test(code)) throw error;
        fallBack(error.message);
      }
    }
    await createDatabase(client, scratch);
    return 'server default';
  } catch (error) {
    if (!refused(error)) throw error;
    throw new PgbakError('SERVER_ERROR', `cannot create the scratch database: ${(error as Error).message}`, {
      hint: `verify restores into a scratch database it creates and drops: give the role CREATEDB (ALTER ROLE ${quoteIdent(user)} CREATEDB), or verify on another server (--server, --user)`,
      cause: error,
      exitCode: ExitCode.usage,
    });
  }
}

async function readScratchLocale(client: QueryClient, scratch: string): Promise<Omit<ScratchDefinition, 'createdAs'>> {
  const { rows } = await client.query<Omit<ScratchDefinition, 'createdAs'>>(
    'SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding, datcollate::text AS collate, datctype::text AS ctype FROM pg_catalog.pg_database WHERE datname = $1',
    [scratch],
  );
  return rows[0]!;
}

function describeLocale(d: ManifestDatabaseDefinition): string {
  const locale = d.locale === null ? (d.collate === d.ctype ? d.collate : `${d.collate}/${d.ctype}`) : `${d.localeProvider} ${d.locale}`;
  return `${d.encoding}, ${locale}`;
}

/**
 * One scratch database per database step, except that a data-only step goes into
 * the scratch database of the schema-only step of the same database before it
 * (profiles that dump the schema and the data separately). Globals are skipped:
 * replaying roles would change the verifying server itself.
 */
export function groupSteps(steps: readonly ManifestStep[]): ManifestStep[][] {
  const groups: ManifestStep[][] = [];
  for (const step of steps) {
    if (step.database === null || step.entries.length === 0) continue;
    const previous = [...groups].reverse().find((g) => g[0]!.database === step.database);
    if (step.kind === 'data-only' && previous && previous[previous.length - 1]!.kind === 'schema-only') previous.push(step);
    else groups.push([step]);
  }
  return groups;
}

function toItem(step: ManifestStep, scratch: string): RestoreItem {
  return { step: step.name, database: step.database, format: step.format, input: inputOf(step), target: scratch, dumpVersion: step.tool.version, kind: step.kind };
}

function describeTool(tool: ToolInfo): string {
  return tool === NATIVE_LOADER ? "pgbak's native loader" : `${tool.name} ${tool.version.text}`;
}
