// Databases for the compare tests: each built from the shared seed plus changes,
// read into a model by the same inspector `pgbak compare` uses.
import pg from 'pg';
import { inspectDatabase } from '../../../lib/compare/inspect.js';
import type { SchemaModel } from '../../../lib/compare/model.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { createTestDatabase, withClient, type ClusterInfo, type TestDatabase } from '../../support/db.js';

export function compareDatabases(cluster: ClusterInfo) {
  const created: TestDatabase[] = [];
  return {
    /** A fresh database with `statements` applied in order. */
    async create(statements: readonly string[]): Promise<TestDatabase> {
      const db = await createTestDatabase(cluster, 'compare');
      created.push(db);
      await withClient(cluster, db.name, async (client) => {
        for (const statement of statements) await client.query(statement);
      });
      return db;
    },
    async model(db: TestDatabase, schemas: string[] | null = null): Promise<SchemaModel> {
      return withClient(cluster, db.name, (client: pg.Client) => inspectDatabase(client as unknown as QueryClient, { database: db.name, schemas }));
    },
    async dropAll(): Promise<void> {
      for (const db of created.splice(0)) await db.drop();
    },
  };
}
