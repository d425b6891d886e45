import { Transform } from 'node:stream';
import type { Connection } from '../../config/connection-types.js';
import type { QueryClient } from '../../db/client.js';
import type { QueryRecord } from '../../db/query-record.js';
import type { NativePlanStep } from '../../plan/types.js';
import type { StepContext, StepRunResult, StepSession } from '../step.js';
import { PgbakError } from '../../errors.js';
import type { ScopeFilter } from '../../db/table-scope.js';
import { isOutputFailure } from '../../archive/index.js';
import { dumpNative } from './dump-native.js';
import { dumpNativeGlobals } from './globals.js';
import { createPartOutput } from './split/part-output.js';
import { readDatabaseDefinition } from './database/read-definition.js';
import type { ManifestDatabaseDefinition } from '../../archive/index.js';

/** What a native step produced, plus what it could not read. */
export interface NativeStepResult {
  result: StepRunResult;
  omitted: string[];
}

/** Native globals: read through the driver into one zip entry (small: buffered). */
export async function runNativeGlobals(step: NativePlanStep, session: StepSession, ctx: StepContext): Promise<NativeStepResult> {
  const startedAt = new Date();
  const { serverMajor } = session;
  const globals = await session.sessions.use(session.clusterDatabase, (client) => dumpNativeGlobals(client, { serverMajor, noRolePasswords: step.options.noRolePasswords }));
  for (const line of globals.omitted) ctx.logger.warn(`${step.step}: not in the dump: ${line}`);
  if (step.output.type !== 'stream') throw new Error('native globals write one entry');
  const entry = await ctx.zip.addBuffer(step.output.entry, Buffer.from(globals.sql, 'utf8'), { compress: step.output.compress });
  ctx.logger.info(`${step.step}: ${entry.name} written by the native engine, ${globals.roles} roles`);
  return {
    result: { command: ['pgbak', 'native', 'globals'], entries: [entry], startedAt, finishedAt: new Date() },
    omitted: globals.omitted,
  };
}

/** A native database dump streamed into its zip entry as it is written. */
export async function runNativeDump(
  step: NativePlanStep,
  session: { client: QueryClient; snapshotId: string; connection: Connection; serverMajor: number; filter: ScopeFilter; catalogRecord?: QueryRecord },
  ctx: StepContext,
): Promise<NativeStepResult & { warnings: string[]; sequenceValues: Record<string, { lastValue: string; isCalled: boolean }>; rowsCopied: ReadonlyMap<string, number>; databaseDefinition?: ManifestDatabaseDefinition }> {
  if (step.output.type !== 'stream' || step.database === null || step.kind === 'globals-only') {
    throw new PgbakError('INTERNAL', `${step.step}: not a native database step`);
  }
  const startedAt = new Date();
  const filter = session.filter;
  // What the dump writes goes through unchanged, counted for the progress line.
  const label = `${step.step} (${step.database})`;
  let bytes = 0;
  let table: string | undefined;
  const report = () => ctx.progress.update({ step: label, bytes, ...(table ? { table } : {}) });
  const counted = () => {
    const pass = new Transform({
      highWaterMark: 256 * 1024,
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        report();
        callback(null, chunk);
      },
    });
    // The zip destroys `pass` with its error when it fails; dumpNative's next write then fails.
    pass.on('error', () => undefined);
    return pass;
  };
  const split = step.options.layout === 'split';
  const pass = split ? null : counted();
  const entry = pass ? ctx.zip.addStream(step.output.entry, pass, { compress: step.output.compress }) : null;
  // A rejected entry (disk full) destroys `pass`, which fails dumpNative's next write; never unhandled.
  entry?.catch(() => undefined);
  const parts = split ? createPartOutput(ctx.zip, step.output.entry.replace(/\.sql$/, '/'), step.output.compress, counted, ctx.signal) : null;
  ctx.logger.info(`${step.step} (${step.database}): native engine, ${step.options.jobs} job${step.options.jobs === 1 ? '' : 's'}`);
  let dumped;
  try {
    dumped = await dumpNative({
      client: session.client,
      database: step.database,
      snapshotId: session.snapshotId,
      connection: session.connection,
      ...(pass ? { output: pass } : { parts: parts! }),
      kind: step.kind,
      readOptions: {
        noOwner: step.options.noOwner,
        noPrivileges: step.options.noPrivileges,
        serverMajor: session.serverMajor,
        includesSchema: (schema) => filter.includesSchema(schema),
        includesTable: (schema, table) => filter.includesTable(schema, table),
        includesData: (schema, table) => filter.includesData(schema, table),
        includesDatabaseObjects: filter.includesDatabaseObjects(),
      },
      jobs: step.options.jobs,
      ...(session.catalogRecord ? { catalogRecord: session.catalogRecord } : {}),
      skipUnreadable: step.options.skipUnreadable,
      statistics: step.options.statistics === true,
      largeObjects: step.countLargeObjects,
      lockWaitTimeout: step.options.lockWaitTimeout,
      scratchDir: ctx.scratchDir,
      logger: ctx.logger,
      signal: ctx.signal,
      onTable: (name) => {
        table = name;
        report();
      },
    });
  } catch (error) {
    ctx.progress.clear();
    pass?.destroy();
    // When the archive failed first (disk full), that is the reason, not the closed stream it left.
    const written = entry ? await entry.then(() => null, (reason: unknown) => reason) : await parts!.abandon();
    throw isOutputFailure(written) ? written : error;
  }
  pass?.end();
  // The database itself goes with a dump of all of it, as pg_dump's dumpDatabase
  // (include_everything and not data-only): read in the same snapshot, after the dump.
  const wholeDatabase = (step.kind === 'full' || step.kind === 'schema-only') && filter.includesDatabaseObjects();
  const databaseDefinition = wholeDatabase ? await readDatabaseDefinition(session.client, session.serverMajor) : undefined;
  const infos = entry ? [await entry] : parts!.entries;
  ctx.progress.clear();
  const total = infos.reduce((sum, info) => sum + info.bytes, 0);
  const what = entry ? infos[0]!.name : `${infos.length} entries (split layout) under ${step.output.entry.replace(/\.sql$/, '/')}`;
  ctx.logger.info(`${step.step} (${step.database}): ${what} written, ${total} bytes, ${dumped.tables} table${dumped.tables === 1 ? '' : 's'}`);
  const omitted = [
    ...dumped.skipped.tables.map((t) => `table ${t}: not readable by the role (skipUnreadable)`),
    ...dumped.skipped.sequences.map((q) => `sequence ${q}: not readable by the role`),
    ...dumped.skipped.largeObjects.map((oid) => `large object ${oid}: not readable by the role`),
  ];
  return {
    result: {
      command: ['pgbak', 'native', `--jobs=${step.options.jobs}`, ...(split ? ['--layout=split'] : []), ...(step.options.statistics ? ['--with-statistics'] : [])],
      entries: infos,
      ...(parts ? { parts: parts.roles } : {}),
      startedAt,
      finishedAt: new Date(),
    },
    omitted,
    warnings: dumped.warnings,
    sequenceValues: dumped.sequenceValues,
    rowsCopied: dumped.rowsCopied,
    ...(databaseDefinition ? { databaseDefinition } : {}),
  };
}
