// The test label provider (seclabel-provider/pgbak_seclabel.c), compiled with gcc at
// test time for one server major, and a login role whose every session loads it
// (session_preload_libraries set on the role): SECURITY LABEL only runs where a
// provider is loaded, and a restore opens sessions of its own. No test server ships
// a provider (PostgreSQL's own tests use dummy_seclabel, a module not packaged).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { quoteIdent, quoteLiteral } from '../../lib/sql/quote.js';
import type { ClusterInfo } from './cluster-info.js';
import { missingClientTools, query } from './db.js';
import type { RoleLogin } from './native-fidelity.js';

const source = fileURLToPath(new URL('./seclabel-provider/pgbak_seclabel.c', import.meta.url));

/** The providers the module registers, and labels they accept (any other is refused). */
export const PROVIDER = 'pgbak_test';
export const OTHER_PROVIDER = 'pgbak "other"';
export const LABELS = ['unclassified', 'classified', 'secret', 'top secret', "need 'to' know", 'ü "eyes" only'] as const;

/**
 * Whether the provider can be built here (gcc on PATH); warns once with the reason
 * when not. Use it to skip: `const describeWithProvider = canBuildLabelProvider() ? describe : describe.skip;`
 */
export function canBuildLabelProvider(): boolean {
  if (missingClientTools(['gcc']).length === 0) return true;
  console.warn('skipping the security label round trips: gcc is not on PATH (it compiles the test label provider, tests/support/seclabel-provider)');
  return false;
}

/** The server headers of `major` when installed (Debian's postgresql-server-dev-<major>), else null. */
function serverHeaders(major: number): string | null {
  const debian = `/usr/include/postgresql/${major}/server`;
  if (existsSync(join(debian, 'postgres.h'))) return debian;
  const pgConfig = spawnSync('pg_config', ['--version', '--includedir-server'], { encoding: 'utf8' });
  if (pgConfig.status !== 0) return null;
  const [version = '', includeDir = ''] = pgConfig.stdout.trim().split('\n');
  const headersMajor = Number(/PostgreSQL (\d+)/.exec(version)?.[1]);
  return headersMajor === major && existsSync(join(includeDir, 'postgres.h')) ? includeDir : null;
}

/** A built provider: the shared library's absolute path and how it was built. */
export interface LabelProvider {
  library: string;
  /** `server headers <dir>`, or `declarations for PostgreSQL <major>` when no headers are installed. */
  builtWith: string;
  remove(): Promise<void>;
}

/**
 * Compiles the provider for `major` into a fresh folder of TMPDIR: against that
 * major's server headers when they are installed, else with the module's own
 * declarations for that major (-DPGBAK_SECLABEL_MAJOR; the server refuses a magic
 * block that does not match it). The folder is made readable by the server's OS user.
 */
export async function buildLabelProvider(major: number): Promise<LabelProvider> {
  const dir = await mkdtemp(join(tmpdir(), 'pgbak-seclabel-'));
  await chmod(dir, 0o755);
  const library = join(dir, 'pgbak_seclabel.so');
  const headers = serverHeaders(major);
  const flags = headers ? [`-I${headers}`] : [`-DPGBAK_SECLABEL_MAJOR=${major}`];
  try {
    await execa('gcc', ['-O2', '-Wall', '-Werror', '-shared', '-fPIC', ...flags, '-o', library, source]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not build the test label provider for PostgreSQL ${major}: ${(error as Error).message}`, { cause: error });
  }
  return {
    library,
    builtWith: headers ? `server headers ${headers}` : `declarations for PostgreSQL ${major}`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A superuser that logs in, each of whose sessions (any database, any client) loads the provider. */
export interface LabelRole extends RoleLogin {
  drop(): Promise<void>;
}

/**
 * Creates that role. A role's setting, not the cluster's: the clusters are shared by
 * every test file, and only this role's sessions load the module.
 */
export async function createLabelRole(cluster: ClusterInfo, provider: LabelProvider): Promise<LabelRole> {
  const user = `seclabel_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await query(cluster, 'postgres', `CREATE ROLE ${quoteIdent(user)} SUPERUSER LOGIN PASSWORD ${quoteLiteral(password)}`);
  await query(cluster, 'postgres', `ALTER ROLE ${quoteIdent(user)} SET session_preload_libraries = ${quoteLiteral(provider.library)}`);
  return {
    user,
    password,
    drop: async () => void (await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${quoteIdent(user)}`)),
  };
}
