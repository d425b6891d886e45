import { PassThrough } from 'node:stream';
import type { Connection } from '../../config/connection-types.js';
import type { QueryClient } from '../../db/client.js';
import type { Sessions } from '../../db/sessions.js';
import type { NativePlanStep } from '../../plan/types.js';
import type { StepContext, StepRunResult } from '../pgdump/run-step.js';
import { PgbakError } from '../../errors.js';
import { dumpNativeGlobals } from './globals.js';

/** What a native step produced, plus what it could not read. */
export interface NativeStepResult {
  result: StepRunResult;
  omitted: string[];
}

/** Native globals: read through the driver into one zip entry (small: buffered). */
export async function runNativeGlobals(
  step: NativePlanStep,
  sessions: Sessions,
  database: string,
  serverMajor: number,
  ctx: StepContext,
): Promise<NativeStepResult> {
  const startedAt = new Date();
  const globals = await sessions.use(database, (client) => dumpNativeGlobals(client, { serverMajor, noRolePasswords: step.options.noRolePasswords }));
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
  session: { client: QueryClient; snapshotId: string; connection: Connection; serverMajor: number },
  ctx: StepContext,
): Promise<NativeStepResult> {
  void session;
  void ctx;
  void PassThrough;
  throw new PgbakError('TOOL_NOT_FOUND', `${step.step}: the native engine does not dump databases yet${step.reason ? ` (${step.reason})` : ''}`, {
    hint: 'install pg_dump at least as new as the server, or point PGBAK_PG_BIN at it',
  });
}
