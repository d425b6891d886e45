import { nativeEngine } from '../engines/native/index.js';
import { runDumpStepViaFile } from '../engines/pgdump/index.js';
import type { StepContext, StepSession } from '../engines/step.js';
import type { PgDumpPlanStep } from '../plan/types.js';
import { lacksPrivilege, nativeFrom } from './fallback.js';
import type { StepRecord } from './build-manifest.js';

const rolePasswordsOmitted = 'role passwords: pg_authid is readable by superusers only';

/**
 * Globals with engine auto, for roles that are not superusers: `pg_dumpall
 * --globals-only` reads pg_authid (passwords) and fails without that right; then
 * `--no-role-passwords` (reads pg_roles); then the native engine. What could not
 * be read is never dropped silently: the manifest and the log list it.
 */
export async function runGlobalsWithFallback(step: PgDumpPlanStep, session: StepSession, ctx: StepContext): Promise<StepRecord> {
  try {
    return { step, result: await runDumpStepViaFile(step, [], ctx), snapshot: null, facts: null };
  } catch (error) {
    if (!lacksPrivilege(error) || step.args.includes('--no-role-passwords')) throw error;
    ctx.logger.warn(`${step.step}: pg_dumpall cannot read role passwords (${(error as Error).message}); retrying with --no-role-passwords`);
  }
  try {
    const result = await runDumpStepViaFile(step, ['--no-role-passwords'], ctx);
    ctx.logger.warn(`${step.step}: not in the dump: ${rolePasswordsOmitted}`);
    return { step, result, snapshot: null, facts: null, omitted: [rolePasswordsOmitted] };
  } catch (error) {
    if (!lacksPrivilege(error)) throw error;
    const reason = `pg_dumpall failed for lack of privilege: ${(error as Error).message}`;
    ctx.logger.warn(`${step.step}: ${reason}; using the native engine`);
    const native = nativeFrom(step, reason);
    const { result, omitted } = await nativeEngine.runStep(native, session, ctx);
    return { step: native, result, snapshot: null, facts: null, omitted };
  }
}
