import { readDatabasesSize } from '../db/database-size.js';
import type { Sessions } from '../db/sessions.js';
import { toPgbakError } from '../errors.js';
import { formatBytes, type PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { chooseUploadSizes } from '../storage/index.js';

/**
 * The plan with each bucket's upload sizes chosen (storage/upload-sizes.ts) from the
 * size of the databases its steps dump, read over the connection the run already has.
 * No bucket: the plan as it is, and no query.
 */
export async function planUploads(plan: Plan, sessions: Sessions, database: string, logger: PgbakLogger): Promise<Plan> {
  if (!plan.storage.some((where) => where.kind === 's3')) return plan;
  const dumped = [...new Set(plan.steps.flatMap((step) => (step.database === null ? [] : [step.database])))];
  let estimate: number | null = null;
  try {
    estimate = await sessions.use(database, (client) => readDatabasesSize(client, dumped));
    logger.verbose(`the databases this run dumps take ${formatBytes(estimate)} (pg_database_size): upload parts are sized for it`);
  } catch (error) {
    logger.warn(`cannot read the size of the databases (${toPgbakError(error).message}): upload parts get the default size unless the profile sets partSize`);
  }
  return {
    ...plan,
    storage: plan.storage.map((where) => {
      if (where.kind !== 's3') return where;
      const upload = chooseUploadSizes(where, estimate);
      for (const warning of upload.warnings) logger.warn(`s3://${where.bucket}/${where.prefix}: ${warning}`);
      return { ...where, upload };
    }),
  };
}
