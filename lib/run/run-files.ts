// The run's files in the output folder: the folder itself, the zip being written
// and the log beside it, and what killed runs left there.
import { dirname, join } from 'node:path';
import { ZipWriter } from '../archive/index.js';
import { outputNotWritable } from '../archive/output-error.js';
import { ensureDirectory, isAlreadyThere, isTaken } from '../archive/atomic-file.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger, Progress } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { removeLeftovers } from '../retention/index.js';
import type { Env } from '../config/env-file.js';
import type { S3Storage } from '../config/storage.js';
import { formatBytes } from '../log/index.js';
import type { PlannedStorage } from '../plan/types.js';
import { chooseUploadSizes, DeferredSink, LocalFileSink, openS3Repository, s3ClientOptionsFor, s3ClientOptionsFromEnv, TeeSink, type ArchiveSink, type BackupRepository } from '../storage/index.js';
import type { Encryption } from '../config/encryption.js';
import { EncryptingSink, parseRecipients, type AgeRecipient } from '../crypto/age/index.js';
import { archiveBase, archiveSuffix } from '../plan/names.js';
import type { createS3Client } from '../storage/s3/index.js';

type PlannedS3Storage = Extract<PlannedStorage, { kind: 's3' }>;

/** The run's files, once claimed: the zip being written and the log beside it. */
export interface RunFiles {
  zip: ZipWriter;
  logPath: string;
  /** The zip in the run's local folder once committed; null when it goes to S3 only. */
  localArchive: string | null;
  /** Copies that go to S3 (`s3://bucket/key`). */
  remote: string[];
  /** Every local copy (the first is `localArchive` when it is in the run's folder). */
  localCopies: string[];
  /** The storage of each of `remote`, in the same order (how to reach its bucket again, for `--verify`). */
  remoteStorage: S3Storage[];
  /**
   * How each bucket uploads, one line each, for the run log once its first record (the
   * run record, which status and prune look for) is written.
   */
  notes: string[];
  /**
   * A bucket of the run (one of `remoteStorage`) as a repository for what the run writes
   * after the zip (its log, retention): over the client the upload used when there is one —
   * its connection is open and its credentials resolved, where a client of its own paid
   * both again at the run's end — else over a client of its own. Close it after use.
   */
  s3Repository(where: S3Storage): Promise<BackupRepository>;
  /** Lets go of the S3 clients; call once nothing more is written to the buckets (the run log). */
  close(): void;
  /** The age file key of an encrypted archive: `run --verify` reads the archive back with it (no private key on the backup host). */
  fileKey?: Buffer;
}

/**
 * Claims the run's names: `<name>.zip.partial` and the log beside it, both created
 * exclusively. A name is free when nothing is at the zip, the `.partial` or the log —
 * a symlink, even a dangling one, is something: in a folder others can write to, a
 * link planted at the next names must never be written through. Taken names (two runs
 * within one second, a leftover, a planted link) move on to `-2`, `-3`, …
 */
export async function openRunFiles(
  plan: Plan,
  logger: PgbakLogger,
  env: Env,
  progress?: Pick<Progress, 'uploaded'>,
  encryption: Encryption | null = null,
): Promise<RunFiles> {
  const base = archiveBase(plan.archiveName);
  const suffix = archiveSuffix(plan.archiveName);
  const s3 = openS3Clients(plan, env);
  try {
    for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
      const name = n === 1 ? plan.archiveName : `${base}-${n}${suffix}`;
      const archive = join(plan.outputDir, name);
      const logPath = join(plan.outputDir, `${archiveBase(name)}.log`);
      if ((await isTakenSafely(archive)) || (await isTakenSafely(logPath))) continue;
      const opened = await openSinks(plan, name, s3, progress);
      if (opened === null) continue;
      // Encrypted before any copy sees a byte: the sinks store (and hash) the ciphertext.
      const sink = encryption === null ? opened.sink : await EncryptingSink.open(opened.sink, ageRecipientsOf(encryption));
      const fileKey = sink instanceof EncryptingSink ? sink.fileKey : undefined;
      const zip = await ZipWriter.create(sink, { compressionLevel: plan.zipCompressionLevel });
      try {
        await logger.attachRunLog(logPath);
        return {
          zip,
          logPath,
          localArchive: opened.localArchive,
          localCopies: opened.localCopies,
          remote: opened.remote,
          remoteStorage: opened.remoteStorage,
          notes: encryption === null ? opened.notes : [...opened.notes, describeEncryption(encryption)],
          s3Repository: s3.repository,
          close: s3.close,
          ...(fileKey && { fileKey }),
        };
      } catch (error) {
        await zip.abort();
        if (isAlreadyThere(error)) continue;
        throw error;
      }
    }
  } catch (error) {
    s3.close();
    throw error;
  }
  s3.close();
  throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot find a free name for ${plan.archiveName} in ${plan.outputDir} (${MAX_NAME_ATTEMPTS} taken)`, {
    hint: 'remove the leftover .partial/.log files and links there, and keep the output folder writable by this user only',
  });
}

const MAX_NAME_ATTEMPTS = 100;

function ageRecipientsOf(encryption: Encryption): AgeRecipient[] {
  if (encryption.kind === 'age-passphrase') return [{ kind: 'scrypt', passphrase: Buffer.from(encryption.passphrase.reveal(), 'utf8') }];
  return parseRecipients(encryption.recipients.join('\n')).recipients;
}

function describeEncryption(encryption: Encryption): string {
  return encryption.kind === 'age-passphrase'
    ? `encrypting with age to a passphrase (scrypt) from the ${encryption.source}`
    : `encrypting with age to ${encryption.recipients.length} recipient(s): ${encryption.recipients.join(', ')}`;
}

interface S3Clients {
  /** A sink for one bucket and a line for the run log saying how it uploads; the AWS SDK loads at the sink's first byte (DeferredSink). */
  open?: (where: PlannedS3Storage, key: string, onUploaded?: (bytes: number) => void) => Promise<{ sink: ArchiveSink; note: string }>;
  repository(where: S3Storage): Promise<BackupRepository>;
  close(): void;
}

/**
 * The run's S3 clients, made when the first sink opens. The S3 module (the AWS SDK: ~0.05
 * CPU-s from V8's code cache, 0.1 s without, one synchronous stretch of the main thread)
 * loads only then: each bucket's sink is a {@link DeferredSink}, opened at the archive's
 * first byte, which comes once the first step (pg_dump) has started. Loaded any earlier,
 * it stood between the run's connection and pg_dump's start (BENCHMARKS.md, 2026-12-05,
 * S3 start-up +0.06 s over a local run). A failure to load or to open fails the archive's
 * writing, as a failed upload does.
 */
function openS3Clients(plan: Plan, env: Env): S3Clients {
  const buckets = plan.storage.filter((where): where is PlannedS3Storage => where.kind === 's3');
  if (buckets.length === 0) return { repository: (where) => openS3Repository(where, env), close: () => undefined };
  const clients = new Map<string, ReturnType<typeof createS3Client>>();
  let closed = false;
  // Credentials from the run's environment (the env file included) when it has them;
  // otherwise the SDK's default chain (shared files, web identity, instance metadata).
  // Read now: a malformed setting fails the run before pg_dump starts (CONFIG_INVALID).
  const fromEnv = s3ClientOptionsFromEnv(env);
  const openSink = async (where: PlannedS3Storage, key: string, sizes: ReturnType<typeof chooseUploadSizes>, onUploaded?: (bytes: number) => void): Promise<ArchiveSink> => {
    const s3 = await import('../storage/s3/index.js');
    if (closed) throw new PgbakError('INTERRUPTED', `writing s3://${where.bucket}/${key} was aborted`);
    const id = clientId(where);
    const options = s3ClientOptionsFor(where, fromEnv);
    let client = clients.get(id);
    if (!client) {
      client = s3.createS3Client(options);
      clients.set(id, client);
    }
    return s3.S3Sink.open({
      client,
      bucket: where.bucket,
      key,
      partSize: sizes.partSize,
      maxParts: sizes.maxParts,
      queueSize: sizes.queueSize,
      estimatedBytes: sizes.estimatedBytes,
      // AWS S3 takes a short part at the end of pg_dump's output; some compatible stores
      // (R2, Garage) want every part but the last of one size: with a custom endpoint, only
      // when the profile says `equalParts: false` (MinIO, Ceph).
      unevenParts: !(where.equalParts ?? options.endpoint !== undefined),
      ...(where.storageClass !== undefined && { storageClass: where.storageClass }),
      ...(where.sse !== undefined && { sse: where.sse }),
      ...(where.kmsKeyId !== undefined && { kmsKeyId: where.kmsKeyId }),
      ...(onUploaded && { onUploaded }),
    });
  };
  return {
    open: async (where, key, onUploaded) => {
      // A plan from prepareRun has the sizes; one made by compile() alone gets the defaults.
      const sizes = where.upload ?? chooseUploadSizes(where, null);
      const note =
        `uploading to s3://${where.bucket}/${key} in parts of ${formatBytes(sizes.partSize)} (at most ${sizes.maxParts}, ${sizes.queueSize} at once, up to ${formatBytes(sizes.memoryBytes)} in memory)` +
        `${where.storageClass ? `, storage class ${where.storageClass}` : ''}${where.sse ? `, encryption ${where.sse}${where.kmsKeyId ? ` with key ${where.kmsKeyId}` : ''}` : ''}`;
      const sink = new DeferredSink(`s3://${where.bucket}/${key}`, () => openSink(where, key, sizes, onUploaded));
      return { sink, note };
    },
    repository: async (where) => {
      const client = closed ? undefined : clients.get(clientId(where));
      if (client === undefined) return openS3Repository(where, env);
      const s3 = await import('../storage/s3/index.js');
      // The run's client: closing the repository leaves it to close().
      return new s3.S3Repository(client, where.bucket, where.prefix);
    },
    close: () => {
      closed = true;
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

// One client per region, endpoint and addressing (the credentials are the run's, alike for all).
function clientId(where: S3Storage): string {
  return JSON.stringify([where.region, where.endpoint, where.forcePathStyle]);
}

/**
 * One sink per storage, a tee when there are several. Null when a local copy's name
 * is taken (the caller moves on to the next name); whatever was opened is aborted.
 * `progress` hears the bytes stored in the buckets: with several, the slowest copy's.
 */
async function openSinks(
  plan: Plan,
  name: string,
  s3: S3Clients,
  progress: Pick<Progress, 'uploaded'> | undefined,
): Promise<{ sink: ArchiveSink; localArchive: string | null; localCopies: string[]; remote: string[]; remoteStorage: S3Storage[]; notes: string[] } | null> {
  const sinks: ArchiveSink[] = [];
  let localArchive: string | null = null;
  const remote: string[] = [];
  const remoteStorage: S3Storage[] = [];
  const localCopies: string[] = [];
  const notes: string[] = [];
  const uploaded: number[] = [];
  const report = progress && (() => progress.uploaded(Math.min(...uploaded)));
  try {
    for (const where of plan.storage) {
      if (where.kind === 'local') {
        const path = join(where.dir, name);
        if (where.dir !== plan.outputDir) await ensureDir(where.dir);
        sinks.push(await LocalFileSink.open(path));
        localCopies.push(path);
        if (where.dir === plan.outputDir) localArchive ??= path;
      } else {
        const copy = uploaded.push(0) - 1;
        const onUploaded = report && ((bytes: number) => ((uploaded[copy] = bytes), report()));
        const { sink, note } = await s3.open!(where, `${where.prefix}${name}`, onUploaded);
        sinks.push(sink);
        remote.push(sink.location);
        remoteStorage.push(where);
        notes.push(note);
      }
    }
  } catch (error) {
    await Promise.all(sinks.map((sink) => sink.abort().catch(() => undefined)));
    if (isAlreadyThere(error)) return null;
    throw error;
  }
  // "0 B uploaded" from the start says where the archive goes.
  if (uploaded.length > 0) report?.();
  return { sink: sinks.length === 1 ? sinks[0]! : new TeeSink(sinks), localArchive, localCopies, remote, remoteStorage, notes };
}

async function isTakenSafely(path: string): Promise<boolean> {
  try {
    return await isTaken(path);
  } catch (error) {
    throw outputNotWritable(dirname(path), error);
  }
}

// Leftovers of killed runs (a .partial, temp folders, locks) whose process is gone
// go before this run adds its own; never a reason to fail the run.
export async function sweepLeftovers(outputDir: string, logger: PgbakLogger): Promise<void> {
  try {
    for (const done of await removeLeftovers(outputDir)) {
      if (done.action === 'failed') logger.warn(`cannot remove ${done.file}, left by a run that is gone: ${done.error}`);
      else logger.info(`removed ${done.file}: ${done.why}`);
    }
  } catch (error) {
    logger.warn(`leftovers of earlier runs were not looked for: ${toPgbakError(error).message}`);
  }
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await ensureDirectory(dir);
  } catch (error) {
    throw outputNotWritable(dir, error);
  }
}
