// The schema model a backup stores for compare: written by either engine in the
// dump's snapshot, listed in the manifest with its sha256, checked by verify and
// by readArchiveModel, and the same as the model of the live database.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { readArchiveModel } from '../../../lib/compare/archive-model.js';
import { diffModels } from '../../../lib/compare/diff.js';
import { inspectDatabase } from '../../../lib/compare/inspect.js';
import type { SchemaModel } from '../../../lib/compare/model.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, hasClientTools, pgEnv, query, withClient, type TestDatabase } from '../../support/db.js';
import { makeTempDir, runBackup, trackTestResources, type Backup } from '../../support/restore-helpers.js';
import { errorReport } from '../failures/helpers.js';
import { rewriteEntry } from '../restore/tamper.js';
import { baseStatements } from './seed.js';

const cluster = getCluster(15);
const resources = trackTestResources(cluster);
const engines = hasClientTools() ? (['pg_dump', 'native'] as const) : (['native'] as const);

let source: TestDatabase;
let live: SchemaModel;

async function seeded(prefix: string, statements: string[]): Promise<TestDatabase> {
  const db = await resources.freshDatabase(prefix);
  await withClient(cluster, db.name, async (client) => {
    for (const statement of statements) await client.query(statement);
  });
  return db;
}

async function liveModel(db: TestDatabase, schemas: string[] | null = null): Promise<SchemaModel> {
  return withClient(cluster, db.name, (client: pg.Client) => inspectDatabase(client as unknown as QueryClient, { database: db.name, schemas }));
}

async function backup(args: string[], database = source.name): Promise<Backup> {
  return resources.keep(await runBackup(args, pgEnv(cluster, database)));
}

async function entryBytes(backup: Backup, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backup.reader.openStream(name)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function profilesDir(name: string, yaml: string): Promise<string> {
  const dir = await makeTempDir('pgbak-profiles-');
  await writeFile(join(dir, `${name}.yaml`), yaml);
  return dir;
}

const everything = { includeComments: true, includePrivileges: true };

beforeAll(async () => {
  source = await seeded('cmp_backup', baseStatements);
  live = await liveModel(source);
});

afterAll(async () => {
  await resources.release();
});

describe.each(engines)('a backup made with --engine %s', (engine) => {
  let result: Backup;

  beforeAll(async () => {
    result = await backup(['full', '--engine', engine]);
  });

  it('stores a schema model that is the live database\'s, object for object', async () => {
    const read = await readArchiveModel(result.archive);
    expect(read).toMatchObject({ step: 'full', database: source.name });
    expect(read.manifest.steps[0]!.engine).toBe(engine);
    expect(diffModels(live, read.model, everything)).toEqual({ missing: [], extra: [], different: [] });
    expect({ ...read.model, readAt: null }).toEqual({ ...live, readAt: null });
    expect(read.model.schemas).toBeNull();
  });

  it('lists the model in the manifest with its size, sha256 and object count, apart from the entries restore reads', async () => {
    const [step] = result.manifest.steps;
    const name = `full/${source.name}.schema-model.json`;
    expect(step!.schemaModel).toEqual({ entry: name, bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), objects: live.objects.length, schemas: null });
    expect(step!.entries.map((entry) => entry.name)).not.toContain(name);
    const data = await entryBytes(result, name);
    expect(data.length).toBe(step!.schemaModel!.bytes);
    expect(createHash('sha256').update(data).digest('hex')).toBe(step!.schemaModel!.sha256);
    expect(result.reader.entries().find((entry) => entry.name === name)?.compressed).toBe(true);
    expect(step!.warnings.filter((warning) => warning.includes('schema model'))).toEqual([]);
  });
});

describe('a native step', () => {
  it('builds its model from the catalog its dump read (one read per step), whole even when the dump leaves out owners and grants', async () => {
    const dir = await profilesDir('bare', 'steps:\n  - kind: full\n    engine: native\n    noOwner: true\n    noPrivileges: true\n');
    const result = await backup(['bare', '--profiles-dir', dir]);
    const read = await readArchiveModel(result.archive);
    expect({ ...read.model, readAt: null }).toEqual({ ...live, readAt: null });
    expect(read.model.objects.some((object) => object.kind === 'OWNER')).toBe(true);
    const log = await readFile(result.log, 'utf8');
    const built = /schema model built from the dump's catalog read \((\d+) queries answered from it, (\d+) sent to the server\)/.exec(log);
    expect(built).not.toBeNull();
    // Every catalog reader the dump ran answered the model (readers over catalogs that hold nothing run in
    // neither: catalog-presence.test.ts). Sent: the savepoint, session settings and version,
    // the owners and grants the dump skipped, and compare's column and option details.
    expect(Number(built![1])).toBeGreaterThan(20);
    expect(Number(built![2])).toBeLessThan(20);
  });
});

describe('a tampered schema model', () => {
  let result: Backup;
  let tampered: string;

  beforeAll(async () => {
    result = await backup(['full', '--engine', 'native']);
    const name = result.manifest.steps[0]!.schemaModel!.entry;
    // Same size, other content: only the digest can tell.
    tampered = await rewriteEntry(result.archive, name, (text) => text.replace('orders', 'ordres'), false);
  });

  it('is refused by readArchiveModel as an archive that was altered', async () => {
    await expect(readArchiveModel(tampered)).rejects.toMatchObject({
      code: 'ARCHIVE_INVALID',
      exitCode: 1,
      message: expect.stringMatching(/schema model full\/.*\.schema-model\.json does not match the manifest/),
    });
  });

  it('fails pgbak verify with exit 3 (a damaged archive is a check failure) before anything is restored, naming the entry', async () => {
    const verify = await runCli(['verify', tampered], { env: pgEnv(cluster, 'postgres') });
    expect(verify.exitCode).toBe(3);
    expect(errorReport(verify.stderr).message).toMatch(/entries do not match the manifest: full\/.*\.schema-model\.json: digest mismatch/);
  });
});

describe('readArchiveModel', () => {
  it('says that a globals-only backup holds no schema model, and what to do', async () => {
    const result = await backup(['globals-only', '--engine', 'native'], 'postgres');
    expect(result.manifest.steps.every((step) => step.schemaModel === undefined)).toBe(true);
    const error = await readArchiveModel(result.archive).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringMatching(/holds no database schema \(only globals\)/) });
    expect((error as { hint: string }).hint).toMatch(/new backup with this pgbak/);
  });

  it('needs the database named when the backup holds several, and refuses one it does not hold', async () => {
    const other = await seeded('cmp_other', ['CREATE TABLE public.notes (id serial PRIMARY KEY, body text NOT NULL)']);
    const dir = await profilesDir('two', `archives: single\nsteps:\n  - name: dbs\n    kind: full\n    engine: native\n    databases: [${source.name}, ${other.name}]\n`);
    const result = await backup(['two', '--profiles-dir', dir]);
    expect(result.manifest.steps.map((step) => step.schemaModel?.entry)).toEqual([`dbs/${source.name}.schema-model.json`, `dbs/${other.name}.schema-model.json`]);

    const ambiguous = await readArchiveModel(result.archive, { databaseFlag: '--source-database' }).catch((caught: unknown) => caught);
    expect(ambiguous).toMatchObject({ code: 'USAGE', exitCode: 2, message: expect.stringContaining(`${source.name}, ${other.name}`), hint: expect.stringContaining('--source-database') });
    const missing = await readArchiveModel(result.archive, { database: 'nope' }).catch((caught: unknown) => caught);
    expect(missing).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no schema model of the database "nope"/), hint: expect.stringContaining('--s-db or --t-db') });

    const chosen = await readArchiveModel(result.archive, { database: other.name });
    expect(chosen).toMatchObject({ step: 'dbs', database: other.name });
    expect(diffModels(await liveModel(other), chosen.model, everything)).toEqual({ missing: [], extra: [], different: [] });
  });

  it('keeps to the schemas a step is limited to', async () => {
    const result = await backup(['full', '--engine', 'native', '--schema', '"Billing Dept"']);
    expect(result.manifest.steps[0]!.schemaModel!.schemas).toEqual(['Billing Dept']);
    const read = await readArchiveModel(result.archive);
    expect(read.model.schemas).toEqual(['Billing Dept']);
    expect(diffModels(await liveModel(source, ['Billing Dept']), read.model, everything)).toEqual({ missing: [], extra: [], different: [] });
  });

  it('refuses a file that is not a zip as an invalid archive', async () => {
    const file = join(await makeTempDir('pgbak-notzip-'), 'backup.zip');
    await writeFile(file, 'not a zip');
    await expect(readArchiveModel(file)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID', message: expect.stringContaining('not a readable pgbak archive') });
  });
});

describe('schemaModel: false', () => {
  it('stores no model when the run says --no-schema-model, and the backup is otherwise whole', async () => {
    const cluster15 = getCluster(15);
    const db = await createTestDatabase(cluster15, 'no_model');
    try {
      await query(cluster15, db.name, 'CREATE TABLE t (id int PRIMARY KEY)');
      const backup = await runBackup(['schema-only', '--no-schema-model'], pgEnv(cluster15, db.name));
      try {
        expect(backup.manifest.steps[0]!.schemaModel).toBeUndefined();
        expect(backup.reader.entries().some((entry) => entry.name.endsWith('.schema-model.json'))).toBe(false);
        expect(backup.manifest.steps[0]!.entries).toHaveLength(1);
      } finally {
        backup.reader.close();
      }
    } finally {
      await db.drop();
    }
  });
});
