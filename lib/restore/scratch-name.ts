import { randomBytes } from 'node:crypto';

/**
 * `pgbak_verify_<profile>_<random>`: recognisable in pg_database (so a leftover
 * can be traced and dropped by hand) and unique, so concurrent verifies never
 * meet. PostgreSQL truncates names at 63 bytes; this stays well below.
 */
export function scratchDatabaseName(profile: string, random: () => string = () => randomBytes(5).toString('hex')): string {
  const safe = profile.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'profile';
  return `pgbak_verify_${safe}_${random()}`;
}
