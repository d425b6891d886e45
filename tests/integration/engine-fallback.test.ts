// Engine auto: pg_dump when it can, and what happens when it cannot — a role
// without superuser rights (globals), a server newer than the client tools.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { manifestOf } from '../support/archive-manifest.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';

describe('engine auto', () => {
  const cluster = getCluster(15);
  const role = `bk_${randomBytes(3).toString('hex')}`;
  let db: TestDatabase;
  let out: string;

  beforeAll(async () => {
    db = await createTestDatabase(cluster, 'fallback');
    await query(cluster, db.name, 'CREATE TABLE public.t (id serial PRIMARY KEY, v text); INSERT INTO public.t (v) VALUES (\'a\'), (\'b\')');
    await query(cluster, 'postgres', `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    await query(cluster, db.name, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    out = await mkdtemp(path.join(os.tmpdir(), 'pgbak-fallback-'));
  });
  afterAll(async () => {
    await db.drop();
    await query(cluster, 'postgres', `DROP ROLE IF EXISTS ${role}`);
    await rm(out, { recursive: true, force: true });
  });

  it('dumps globals without role passwords for a role that is not a superuser, and lists what it left out', async () => {
    const env = { ...pgEnv(cluster, db.name), PGUSER: role, PGPASSWORD: 'pw' };
    const result = await runCli(['run', 'nightly', '--output-dir', path.join(out, 'nightly'), '--json'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('retrying with --no-role-passwords');
    const manifest = await manifestOf((JSON.parse(result.stdout) as { archive: string }).archive);
    const globals = manifest.steps.find((s) => s.kind === 'globals-only')!;
    expect(globals.engine).toBe('pg_dump');
    expect(globals.command).toContain('--no-role-passwords');
    expect(globals.omitted).toEqual(['role passwords: pg_authid is readable by superusers only']);
  });

  it('hands a database step to the native engine when pg_dump is refused a table lock, leaving out what the role cannot read', async () => {
    await query(cluster, db.name, 'CREATE TABLE public.secret (id int); INSERT INTO public.secret VALUES (1)');
    const profiles = path.join(out, 'profiles');
    await mkdir(profiles, { recursive: true });
    await writeFile(path.join(profiles, 'partial.yaml'), 'steps:\n  - kind: full\n    skipUnreadable: true\n');
    const env = { ...pgEnv(cluster, db.name), PGUSER: role, PGPASSWORD: 'pw' };
    const result = await runCli(['run', 'partial', '--profiles-dir', profiles, '--output-dir', path.join(out, 'partial'), '--json'], { env });
    expect(result.stderr).toMatch(/native engine instead of pg_dump: pg_dump failed for lack of privilege: .*permission denied for table secret/);
    expect(result.exitCode).toBe(0);
    const manifest = await manifestOf((JSON.parse(result.stdout) as { archive: string }).archive);
    expect(manifest.steps[0]).toMatchObject({ engine: 'native', format: 'plain', entries: [{ name: expect.stringMatching(/\.sql$/) }] });
    expect(manifest.steps[0]!.omitted).toEqual([expect.stringContaining('secret')]);
    await query(cluster, db.name, 'DROP TABLE public.secret');
  });

  it('uses the native engine for globals when asked, and records it in the manifest', async () => {
    const result = await runCli(['run', 'globals-only', '--engine', 'native', '--output-dir', path.join(out, 'native'), '--json'], { env: pgEnv(cluster, db.name) });
    expect(result.exitCode).toBe(0);
    const manifest = await manifestOf((JSON.parse(result.stdout) as { archive: string }).archive);
    expect(manifest.steps[0]).toMatchObject({ engine: 'native', tool: { name: 'pgbak' } });
    expect(manifest.steps[0]!.engineReason).toBeUndefined();
  });

  it('falls back to the native engine for a server newer than every installed pg_dumpall, and says why', async () => {
    const newer = getCluster(17);
    const result = await runCli(['run', 'globals-only', '--output-dir', path.join(out, 'newer'), '--json'], { env: pgEnv(newer, 'postgres') });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/native engine instead of pg_dump: no usable pg_dumpall: .*17\./);
    const manifest = await manifestOf((JSON.parse(result.stdout) as { archive: string }).archive);
    expect(manifest.source.serverVersion.major).toBe(17);
    expect(manifest.steps[0]).toMatchObject({ engine: 'native' });
    expect(manifest.steps[0]!.engineReason).toMatch(/^no usable pg_dumpall/);
  });
});
