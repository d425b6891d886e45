// Reading a step's schema model never fails a backup: a failure is a warning,
// and the savepoint leaves the dump's transaction as it was.
import type { QueryClient } from '../../../lib/db/client.js';
import { createScopeFilter } from '../../../lib/db/table-scope.js';
import type { NativePlanStep } from '../../../lib/plan/types.js';
import { readSchemaModelSafely, storesSchemaModel } from '../../../lib/run/schema-model.js';

const noScope = { schemas: [], excludeSchemas: [], tables: [], excludeTables: [], excludeTableData: [] };

function step(overrides: Partial<NativePlanStep> = {}): NativePlanStep {
  return {
    engine: 'native',
    reason: null,
    step: 'full',
    kind: 'full',
    database: 'app',
    format: 'plain',
    output: { type: 'stream', entry: 'full/app.sql', compress: true },
    snapshot: true,
    tableScope: noScope,
    scope: noScope,
    countLargeObjects: true,
    options: { noOwner: false, noPrivileges: false, jobs: 1, skipUnreadable: false, noRolePasswords: false, lockWaitTimeout: null },
    ...overrides,
  };
}

/** A client that records every statement and answers `rows`, or throws for statements matching `fail`. */
function fakeClient(fail: RegExp, rows: Record<string, unknown>[] = []) {
  const sent: string[] = [];
  const client: QueryClient = {
    async query<R extends object>(sql: string) {
      sent.push(sql);
      if (fail.test(sql)) throw Object.assign(new Error('permission denied for table pg_proc'), { code: '42501' });
      return { rows: rows as R[] };
    },
    async end() {},
  };
  return { client, sent };
}

// A schema pattern resolved to no schema (only an exclusion-free, non-strict read could get here).
const noSchema = createScopeFilter({ schemas: new Set(), excludedSchemas: new Set(), tables: null, excludedTables: new Set(), excludedTableData: new Set() });

describe('readSchemaModelSafely', () => {
  it('returns a warning instead of throwing when the catalog cannot be read, and rolls back to its savepoint', async () => {
    const { client, sent } = fakeClient(/search_path/);
    const read = await readSchemaModelSafely(client, step(), createScopeFilter(null));
    expect(read.model).toBeNull();
    expect(read.warnings).toEqual([expect.stringMatching(/^the schema model of app could not be read .*permission denied for table pg_proc/)]);
    expect(sent[0]).toBe('SAVEPOINT pgbak_model');
    expect(sent.slice(-2)).toEqual(['ROLLBACK TO SAVEPOINT pgbak_model', 'RELEASE SAVEPOINT pgbak_model']);
  });

  it('warns and stores no model when the step\'s schema filter matches no schema', async () => {
    const { client, sent } = fakeClient(/^$/, [{ name: 'public' }]);
    const read = await readSchemaModelSafely(client, step({ scope: { ...noScope, schemas: ['missing*'] } }), noSchema);
    expect(read).toEqual({ model: null, warnings: [expect.stringMatching(/no schema matches the step's schema filter/)] });
    expect(sent.at(-2)).toBe('ROLLBACK TO SAVEPOINT pgbak_model');
  });

  it('reads nothing for globals and large-object steps', async () => {
    const { client, sent } = fakeClient(/^$/);
    expect(storesSchemaModel(step({ kind: 'large-objects' }))).toBe(false);
    expect(storesSchemaModel(step({ kind: 'globals-only', database: null }))).toBe(false);
    expect(await readSchemaModelSafely(client, step({ kind: 'large-objects' }), createScopeFilter(null))).toEqual({ model: null, warnings: [] });
    expect(sent).toEqual([]);
  });
});
