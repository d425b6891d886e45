// One side of a comparison read from a backup: the schema model a pgbak run
// stored beside each database's dump, checked against the manifest's sha256
// before it is trusted.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { archiveInvalid } from '../archive/archive-invalid.js';
import { MANIFEST_ENTRY, openZip, openZipSource, parseManifest, type Manifest, type ManifestStep, type ZipReader } from '../archive/index.js';
import type { Env } from '../config/env-file.js';
import { isS3Location, openArchiveSource } from '../storage/index.js';
import { isAgeEncrypted, openDecrypted, type DecryptionKeys } from '../crypto/age/index.js';
import { PgbakError } from '../errors.js';
import { SCHEMA_MODEL_VERSION, schemaModelSchema, type SchemaModel } from './model.js';

export interface ArchiveModelOptions {
  /** Which database's model, when the backup holds several. */
  database?: string;
  /** How the user sets `database`, named in error hints (default: compare's `--s-db or --t-db`). */
  databaseFlag?: string;
  /** The environment that says how to reach the bucket of an `s3://bucket/key` backup. */
  env?: Env | undefined;
  /** Keys for a backup encrypted with age (`.zip.age`); else the environment's. */
  keys?: DecryptionKeys | undefined;
}

/** A model read from a backup, with where it came from. */
export interface ArchiveModel {
  model: SchemaModel;
  /** The profile step that stored it. */
  step: string;
  database: string;
  manifest: Manifest;
}

type ModelStep = ManifestStep & { database: string; schemaModel: NonNullable<ManifestStep['schemaModel']> };

/**
 * Reads the schema model of one database from a pgbak backup zip. A file that is
 * not a sound archive, or a model that does not match its sha256 or is not a
 * model, is ARCHIVE_INVALID; a backup without a model, or with several when no
 * database was named (or not the one named), is a USAGE error that says what to do.
 */
export async function readArchiveModel(zipPath: string, options: ArchiveModelOptions = {}): Promise<ArchiveModel> {
  // In a bucket, only the zip's directory, the manifest and the model are read (ranged GETs).
  const path = isS3Location(zipPath) ? zipPath : resolve(zipPath);
  const reader = isAgeEncrypted(path)
    ? await openZipSource(await openDecrypted(path, options.env ?? {}, options.keys ?? {}))
    : isS3Location(path)
      ? await openZipSource(await openArchiveSource(path, { env: options.env ?? {}, cwd: '/' }))
      : await openZip(path);
  try {
    if (!reader.has(MANIFEST_ENTRY)) throw archiveInvalid(path, `it has no ${MANIFEST_ENTRY}: not written by pgbak, or unfinished`);
    const manifest = parseManifest(await reader.readText(MANIFEST_ENTRY), path);
    const step = chooseStep(path, manifest, options);
    const model = parseModel(path, step.schemaModel.entry, await readChecked(reader, step));
    return { model, step: step.name, database: step.database, manifest };
  } finally {
    reader.close();
  }
}

function chooseStep(path: string, manifest: Manifest, options: ArchiveModelOptions): ModelStep {
  const withModel = manifest.steps.filter((step): step is ModelStep => step.database !== null && step.schemaModel !== undefined);
  if (withModel.length === 0) throw noModel(path, manifest);
  const databases = [...new Set(withModel.map((step) => step.database))];
  const flag = options.databaseFlag ?? '--s-db or --t-db';
  if (options.database === undefined && databases.length > 1) {
    throw new PgbakError('USAGE', `${path} holds the schemas of ${databases.length} databases: ${databases.join(', ')}`, {
      hint: `choose one with ${flag} <name>`,
    });
  }
  const database = options.database ?? databases[0]!;
  const candidates = withModel.filter((step) => step.database === database);
  if (candidates.length === 0) {
    throw new PgbakError('USAGE', `${path} holds no schema model of the database "${database}"; it has ${databases.join(', ')}`, {
      hint: `choose one of those with ${flag} <name>`,
    });
  }
  // Several steps of one database (schema-only then data-only…): the one that saw
  // every schema says the most.
  return candidates.find((step) => step.schemaModel.schemas === null) ?? candidates[0]!;
}

function noModel(path: string, manifest: Manifest): PgbakError {
  const hint = 'make a new backup with this pgbak (every database step stores its schema model), or compare with the live database';
  const databaseSteps = manifest.steps.filter((step) => step.database !== null && step.kind !== 'large-objects');
  if (databaseSteps.length === 0) {
    return new PgbakError('USAGE', `${path} holds no database schema (only ${describeKinds(manifest)}), so it has no schema model to compare`, { hint });
  }
  const failed = databaseSteps.flatMap((step) => step.warnings).find((warning) => warning.includes('schema model'));
  if (failed) return new PgbakError('USAGE', `${path} has no schema model: ${failed}`, { hint });
  return new PgbakError('USAGE', `${path} has no schema model: it was made by pgbak ${manifest.pgbak.version}, before backups stored one`, { hint });
}

function describeKinds(manifest: Manifest): string {
  const kinds = [...new Set(manifest.steps.map((step) => (step.kind === 'globals-only' ? 'globals' : step.kind)))];
  return kinds.length > 0 ? kinds.join(', ') : 'no step';
}

// The whole entry is read (a model is the schema, not the data) and hashed as
// read; yauzl holds it to the size in the central directory, checked first.
async function readChecked(reader: ZipReader, step: ModelStep): Promise<Buffer> {
  const { entry: name, bytes, sha256 } = step.schemaModel;
  const listed = reader.entries().find((entry) => entry.name === name);
  const bad = (reason: string) =>
    archiveInvalid(reader.path, `the schema model ${name} ${reason}`, {
      hint: 'the archive is damaged or was altered; compare with another backup.',
    });
  if (listed === undefined) throw bad('listed in the manifest is missing');
  if (listed.uncompressedSize !== bytes) throw bad(`is ${listed.uncompressedSize} bytes, the manifest says ${bytes}`);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await reader.openStream(name)) chunks.push(chunk as Buffer);
  } catch (error) {
    throw bad(`cannot be read: ${(error as Error).message}`);
  }
  const data = Buffer.concat(chunks);
  const got = createHash('sha256').update(data).digest('hex');
  if (data.length !== bytes || got !== sha256) throw bad(`does not match the manifest: sha256 ${got}, expected ${sha256}`);
  return data;
}

function parseModel(path: string, name: string, data: Buffer): SchemaModel {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw archiveInvalid(path, `the schema model ${name} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const version = (json as { modelVersion?: unknown } | null)?.modelVersion;
  if (typeof version === 'number' && version > SCHEMA_MODEL_VERSION) {
    throw archiveInvalid(path, `its schema model format ${version} is newer than this pgbak reads (${SCHEMA_MODEL_VERSION})`, {
      hint: 'Use a newer pgbak to compare with this backup.',
    });
  }
  const result = schemaModelSchema().safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    throw archiveInvalid(path, `the schema model ${name} is invalid: ${where}${issue?.message ?? 'unknown problem'}`, { cause: result.error });
  }
  return result.data as SchemaModel;
}
