// `pgbak restore --clean` on a database with declarative partitions (keys,
// indexes, foreign keys and triggers on partitioned tables, as in pagila):
// pg_restore --clean alone stops at "cannot drop inherited constraint".
// Without --jobs the restore is one transaction: a failure changes nothing.
import { jest } from '@jest/globals';
import { hasClientTools, query, type TestDatabase } from '../../support/db.js';
import { removeTempDirs, type Backup } from '../../support/restore-helpers.js';
import { errorReport } from '../failures/helpers.js';
import { cluster, pgbak, testState } from './helpers.js';

jest.setTimeout(180_000);

const describeWithTools = hasClientTools() ? describe : describe.skip;
const state = testState();
let source: TestDatabase;
let backup: Backup;

const partitioned = `
CREATE TABLE customer (customer_id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE payment (
  payment_id int NOT NULL,
  customer_id int NOT NULL REFERENCES customer,
  amount numeric(5,2) NOT NULL CHECK (amount >= 0),
  payment_date timestamptz NOT NULL,
  PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
CREATE TABLE payment_p2022_03 (LIKE payment INCLUDING CONSTRAINTS);
ALTER TABLE payment ATTACH PARTITION payment_p2022_03 FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');
CREATE INDEX payment_customer_idx ON payment (customer_id);
CREATE UNIQUE INDEX payment_uniq ON payment (payment_id, payment_date);
CREATE TABLE refund (refund_id int PRIMARY KEY, payment_date timestamptz NOT NULL, payment_id int NOT NULL,
  FOREIGN KEY (payment_date, payment_id) REFERENCES payment);
CREATE FUNCTION keep_amount() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER payment_keep BEFORE INSERT ON payment FOR EACH ROW EXECUTE FUNCTION keep_amount();
INSERT INTO customer VALUES (1, 'a'), (2, 'b');
INSERT INTO payment VALUES (1, 1, 5, '2022-01-05'), (2, 2, 6, '2022-02-05'), (3, 1, 7, '2022-03-05');
INSERT INTO refund VALUES (1, '2022-01-05', 1);
`;

/** Every constraint, index and trigger of the public schema, and the rows: what --clean must give back whole. */
async function shape(database: string): Promise<unknown> {
  const objects = await query<{ o: string }>(
    cluster,
    database,
    `SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || contype::text AS o FROM pg_constraint WHERE connamespace = 'public'::regnamespace
     UNION ALL SELECT 'index ' || indexrelid::regclass::text || ' valid=' || indisvalid::text FROM pg_index WHERE indrelid::regclass::text NOT LIKE 'pg_%'
       AND indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
     UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
     ORDER BY 1`,
  );
  const rows = await query(cluster, database, 'SELECT (SELECT count(*) FROM payment)::int AS payments, (SELECT count(*) FROM refund)::int AS refunds, (SELECT string_agg(name, \',\' ORDER BY name) FROM customer) AS customers');
  return { objects: objects.map((row) => row.o), rows };
}

beforeAll(async () => {
  source = await state.fresh('cp_source');
  await query(cluster, source.name, partitioned);
  backup = await state.backup(source, ['full']);
});

afterAll(async () => {
  await state.cleanUp();
  await removeTempDirs();
});

describeWithTools('pgbak restore --clean on partitioned tables', () => {
  it('restores over a copy of a partitioned database with --clean (no "cannot drop inherited constraint")', async () => {
    const target = state.unusedName('cp_copy');
    expect((await pgbak(['restore', backup.archive, '--target', target, '--create'])).exitCode).toBe(0);
    await query(cluster, target, "UPDATE customer SET name = 'changed'");

    const result = await pgbak(['restore', backup.archive, '--target', target, '--clean']);

    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(await shape(target)).toEqual(await shape(source.name));
    expect((await shape(target) as { objects: string[] }).objects).toContain('index payment_p2022_03_pkey valid=true');
  });

  it('restores with --clean --jobs 2, warning first that a failure would leave the target partly restored', async () => {
    const target = state.unusedName('cp_jobs');
    expect((await pgbak(['restore', backup.archive, '--target', target, '--create'])).exitCode).toBe(0);

    const result = await pgbak(['restore', backup.archive, '--target', target, '--clean', '--jobs', '2']);

    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/--jobs 2: pg_restore cannot restore in parallel inside one transaction, so a failure leaves the target partly restored/);
    expect(await shape(target)).toEqual(await shape(source.name));
  });

  it('leaves the target exactly as it was when a --clean restore fails (one transaction, rolled back)', async () => {
    const target = state.unusedName('cp_fail');
    expect((await pgbak(['restore', backup.archive, '--target', target, '--create'])).exitCode).toBe(0);
    await query(cluster, target, "UPDATE customer SET name = 'kept'; CREATE VIEW holds_payment AS SELECT * FROM payment");
    const before = await shape(target);

    const result = await pgbak(['restore', backup.archive, '--target', target, '--clean']);

    expect(result.exitCode).toBe(1);
    const report = errorReport(result.stderr);
    expect(report.message).toMatch(/pg_restore exited with code 1: .*cannot drop table public\.payment because other objects depend on it/);
    expect(report.hint).toMatch(/nothing was restored into ".*": it ran in one transaction, rolled back; rerun with --verbose/);
    expect(await shape(target)).toEqual(before);
  });
});
