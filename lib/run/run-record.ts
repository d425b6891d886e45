import { basename } from 'node:path';
import type { PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { currentOwner } from '../process/index.js';
import { RUN_RECORD_KEY } from '../retention/index.js';

// The first record names the run and its process: what status reads of a failed
// run, and how a later run tells a killed run's .partial from a live one's.
export async function recordRun(plan: Plan, archive: string, logger: PgbakLogger): Promise<void> {
  const run = { profile: plan.profile.name, databases: plan.databases, archive: basename(archive), owner: await currentOwner() };
  logger.info(`run of profile ${plan.profile.name} into ${archive}`, { [RUN_RECORD_KEY]: run });
}
