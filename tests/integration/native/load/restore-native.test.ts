// `pgbak restore --loader native` through the real CLI: plain SQL backups made by
// pg_dump restore completely without psql, behind the same checks as a psql
// restore (sha256 first, refusing a non-empty target, one transaction).
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasClientTools, query } from '../../../support/db.js';
import { makeTempDir, removeTempDirs } from '../../../support/restore-helpers.js';
import { SEEDED_SNAPSHOT, snapshotDatabase } from '../../../support/seed.js';
import { cluster, databaseExists, pgbak, testState, trapPsql } from '../../restore/helpers.js';
import { contentHashes, userTables } from './helpers.js';
import { withoutAuthenticityWarning } from '../../../support/authenticity.js';

const describeWithTools = hasClientTools(['pg_dump']) ? describe : describe.skip;
const state = testState();

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

describeWithTools('pgbak restore --loader native', () => {
  let source: Awaited<ReturnType<typeof state.seeded>>;
  let plain: Awaited<ReturnType<typeof state.backup>>;

  beforeAll(async () => {
    source = await state.seeded('nl_source');
    plain = await state.backup(source, ['full', '--format', 'plain']);
  });

  it('restores a plain pg_dump backup completely without running psql', async () => {
    const trap = await trapPsql();
    const target = state.unusedName('nl_plain');

    const result = await pgbak(['restore', plain.archive, '--target', target, '--create', '--loader', 'native', '--json'], { PGBAK_PG_BIN: trap.dir });

    expect(withoutAuthenticityWarning(result.stderr)).not.toMatch(/error|warning/i);
    expect(result.exitCode).toBe(0);
    expect(existsSync(trap.mark)).toBe(false);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, items: [{ target, database: source.name, format: 'plain', created: true }] });
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
    expect(await contentHashes(cluster, target)).toEqual(await contentHashes(cluster, source.name));

    // The trap shows the test means something: with psql chosen, the same restore fails.
    const viaPsql = await pgbak(['restore', plain.archive, '--target', state.unusedName('nl_trap'), '--create'], { PGBAK_PG_BIN: trap.dir });
    expect(viaPsql.exitCode).toBe(1);
    expect(existsSync(trap.mark)).toBe(true);
  });

  it('restores a gzip-compressed plain backup, gunzipped on the way', async () => {
    const dir = await makeTempDir('pgbak-profile-');
    const profile = join(dir, 'plain-gzip.yaml');
    await writeFile(profile, 'steps:\n  - kind: full\n    format: plain\n    compression: 6\n');
    const gzipped = await state.backup(source, [profile]);
    const target = state.unusedName('nl_gz');

    const result = await pgbak(['restore', gzipped.archive, '--target', target, '--create', '--loader', 'native']);

    expect(withoutAuthenticityWarning(result.stderr)).not.toMatch(/error|warning/i);
    expect(result.exitCode).toBe(0);
    expect(await snapshotDatabase(cluster, target)).toEqual(SEEDED_SNAPSHOT);
  });

  it('--dry-run names pgbak native loader instead of a command and touches nothing', async () => {
    const target = state.unusedName('nl_dry');

    const result = await pgbak(['restore', plain.archive, '--target', target, '--create', '--loader', 'native', '--dry-run']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`CREATE DATABASE "${target}" TEMPLATE template0`);
    expect(result.stdout).toContain(`pgbak native loader: into ${target} as ${cluster.user}@${cluster.host}:${cluster.port}, in one transaction, stopping at the first error  < full/${source.name}.sql`);
    expect(result.stdout).not.toContain('psql');
    expect(await databaseExists(target)).toBe(false);
  });

  it('refuses a target that already holds tables, as a psql restore does', async () => {
    const busy = await state.fresh('nl_busy');
    await query(cluster, busy.name, 'CREATE TABLE precious (id int)');

    const result = await pgbak(['restore', plain.archive, '--target', busy.name, '--loader', 'native']);

    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`refusing to restore into "${busy.name}"`);
    expect(await userTables(cluster, busy.name)).toEqual(['public.precious']);
  });

  it('stops at the first error with the line and the server error, and with --force leaves the target as it was', async () => {
    const clash = await state.fresh('nl_clash');
    await query(cluster, clash.name, 'CREATE TABLE public.customers (precious int)');

    const result = await pgbak(['restore', plain.archive, '--target', clash.name, '--loader', 'native', '--force']);

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`full \\(${source.name}\\) -> ${clash.name}: pgbak's native loader stopped at full/${source.name}\\.sql line \\d+: ERROR 42P07: relation "customers" already exists; in: CREATE TABLE public\\.customers \\(`));
    expect(result.stderr).toContain('nothing was restored');
    expect(await userTables(cluster, clash.name)).toEqual(['public.customers']);
  });

  it('without --loader, restores with psql when psql is installed', async () => {
    const target = state.unusedName('nl_auto');

    const result = await pgbak(['restore', plain.archive, '--target', target, '--create', '--dry-run']);

    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/psql -X -q -v ON_ERROR_STOP=1 --single-transaction/);
  });
});
