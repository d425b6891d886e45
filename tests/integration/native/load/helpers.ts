// Shared by the loader's integration tests: a driver client on a test database,
// the content of a database as hashes (every table's rows, large objects), and
// pg_dump's schema text with what legitimately differs removed.
import { execa } from 'execa';
import pg from 'pg';
import { connectionInfo, pgEnv, type ClusterInfo } from '../../../support/db.js';

/** A connected driver client on `database`; end it yourself. */
export async function connectTo(cluster: ClusterInfo, database: string): Promise<pg.Client> {
  const client = new pg.Client(connectionInfo(cluster, database));
  await client.connect();
  return client;
}

/** md5 of every user table's rows (in a stable order) and of the large objects' content. */
export async function contentHashes(cluster: ClusterInfo, database: string): Promise<Record<string, string>> {
  const client = await connectTo(cluster, database);
  try {
    const tables = await client.query<{ schema: string; name: string }>(`
      SELECT n.nspname AS schema, c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
       ORDER BY 1, 2`);
    const hashes: Record<string, string> = {};
    for (const { schema, name } of tables.rows) {
      const target = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
      const { rows } = await client.query<{ h: string | null; n: string }>(`SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS h, count(*) AS n FROM ${target} t`);
      hashes[`${schema}.${name}`] = `${rows[0]!.n}:${rows[0]!.h ?? ''}`;
    }
    const lo = await client.query<{ h: string | null }>(
      "SELECT md5(string_agg(oid::text || ':' || encode(lo_get(oid), 'hex'), ',' ORDER BY oid)) AS h FROM pg_largeobject_metadata",
    );
    hashes['large objects'] = lo.rows[0]!.h ?? '';
    return hashes;
  } finally {
    await client.end();
  }
}

/** `pg_dump --schema-only` of a database without comments, blank lines and \restrict keys. */
export async function schemaText(cluster: ClusterInfo, database: string): Promise<string> {
  const { stdout } = await execa('pg_dump', ['--schema-only', '--no-owner', database], { env: pgEnv(cluster, database) });
  return String(stdout)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !/^\\(un)?restrict /.test(line))
    .join('\n');
}

/** `pg_dump -Fp` of a database, as text. */
export async function plainDump(cluster: ClusterInfo, database: string): Promise<string> {
  const { stdout } = await execa('pg_dump', ['--format=plain', database], { env: pgEnv(cluster, database), maxBuffer: 256 * 1024 * 1024 });
  return String(stdout);
}

/** Names of the user tables of a database. */
export async function userTables(cluster: ClusterInfo, database: string): Promise<string[]> {
  const client = await connectTo(cluster, database);
  try {
    const { rows } = await client.query<{ t: string }>("SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    return rows.map((row) => row.t);
  } finally {
    await client.end();
  }
}
