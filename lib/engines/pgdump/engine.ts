import type { PgDumpPlanStep } from '../../plan/types.js';
import type { DumpEngine } from '../step.js';
import { runDumpStep } from './run-step.js';

/** pg_dump / pg_dumpall as subprocesses, in the step's exported snapshot when it has one. */
export const pgDumpEngine: DumpEngine<PgDumpPlanStep> = {
  name: 'pg_dump',
  async runStep(step, session, ctx) {
    return { result: await runDumpStep(step, session.snapshot?.id ?? null, ctx) };
  },
};
