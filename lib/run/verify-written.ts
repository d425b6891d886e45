import type { Connection } from '../config/connection-types.js';
import type { CommandConfig } from '../config/run-config.js';
import { PgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import { verifyArchive } from '../restore/index.js';

// run --verify: the backup just written is restored into a scratch database and
// checked; a mismatch fails the run with exit 3 (and retention does not run).
export async function verifyWritten(archive: string, connection: Connection, config: Readonly<CommandConfig>, logger: PgbakLogger, signal: AbortSignal) {
  logger.info(`verifying ${archive}`);
  const result = await verifyArchive({ archive, connection, config, logger, signal });
  if (!result.ok) {
    const first = result.mismatches[0];
    throw new PgbakError('VERIFY_MISMATCH', `the backup was written but does not verify: ${result.mismatches.length} mismatch(es)${first ? `, first: ${first.check} of ${first.object}: expected ${first.expected}, found ${first.found}` : ''}`, {
      hint: `details in ${result.recordPath ?? archive}`,
    });
  }
  logger.info(`verified: row counts, sequences and large objects match the manifest`);
  return { ok: true as const, record: result.recordPath };
}
