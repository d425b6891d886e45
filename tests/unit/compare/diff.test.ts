import { diffModels } from '../../../lib/compare/diff.js';
import { diffLines } from '../../../lib/compare/line-diff.js';
import type { ModelObject, SchemaModel } from '../../../lib/compare/model.js';
import { schemaModelSchema } from '../../../lib/compare/model.js';
import { renderDrift } from '../../../lib/compare/render-text.js';

function model(objects: ModelObject[], serverMajor = 15): SchemaModel {
  return { modelVersion: 1, database: 'app', serverVersion: `${serverMajor}.1`, serverMajor, schemas: null, readAt: '2026-12-02T00:00:00.000Z', objects };
}

const column = { type: 'integer', notNull: false, default: null, identity: null, generated: null, collation: null };
const table = (columns: ModelObject['columns'], details: Record<string, string> = {}): ModelObject => ({
  id: 'TABLE "s"."t"',
  kind: 'TABLE',
  schema: 's',
  name: 't',
  sql: 'CREATE TABLE "s"."t" ();\n',
  columns,
  details,
});
const view = (sql: string): ModelObject => ({ id: 'VIEW "s"."v"', kind: 'VIEW', schema: 's', name: 'v', sql });

describe('diffModels', () => {
  it('reports column changes attribute by attribute, ignoring the CREATE TABLE text and column order', () => {
    const source = model([table([{ name: 'a', ...column }, { name: 'b', ...column, notNull: true }])]);
    const target = model([{ ...table([{ name: 'b', ...column }, { name: 'a', ...column, type: 'bigint' }, { name: 'c', ...column }]), sql: 'other' }]);
    expect(diffModels(source, target).different).toEqual([
      {
        id: 'TABLE "s"."t"',
        kind: 'TABLE',
        schema: 's',
        name: 't',
        changes: [
          { what: 'column "a" type', source: 'integer', target: 'bigint' },
          { what: 'column "b" not null', source: 'NOT NULL', target: 'NULL' },
          { what: 'column "c"', source: null, target: 'integer' },
        ],
      },
    ]);
  });

  it('leaves comments and grants out unless asked', () => {
    const comment: ModelObject = { id: 'COMMENT TABLE "s"."t"', kind: 'COMMENT', schema: 's', name: 't', sql: "COMMENT ON TABLE \"s\".\"t\" IS 'x';\n" };
    const acl: ModelObject = { id: 'ACL TABLE "s"."t"', kind: 'ACL', schema: 's', name: 't', sql: 'GRANT SELECT ON TABLE "s"."t" TO PUBLIC;\n' };
    const source = model([comment, acl]);
    const target = model([]);
    expect(diffModels(source, target).missing).toEqual([]);
    expect(diffModels(source, target, { includeComments: true }).missing.map((o) => o.id)).toEqual(['COMMENT TABLE "s"."t"']);
    expect(diffModels(source, target, { includePrivileges: true }).missing.map((o) => o.id)).toEqual(['ACL TABLE "s"."t"']);
  });

  it('ignores single-table qualifiers in view definitions only between servers before and from 16', () => {
    const old = view(' SELECT t.a\n   FROM s.t;\n');
    const now = view(' SELECT a\n   FROM s.t;\n');
    expect(diffModels(model([old], 15), model([now], 17)).different).toEqual([]);
    expect(diffModels(model([old], 15), model([now], 15)).different).toHaveLength(1);
  });

  it('orders every group by kind, then id, whatever the models order', () => {
    const objects: ModelObject[] = [
      { id: 'INDEX "s"."b"', kind: 'INDEX', schema: 's', name: 'b', sql: '' },
      { id: 'TABLE "s"."z"', kind: 'TABLE', schema: 's', name: 'z', sql: '', columns: [] },
      { id: 'INDEX "s"."a"', kind: 'INDEX', schema: 's', name: 'a', sql: '' },
      { id: 'SCHEMA "s"', kind: 'SCHEMA', schema: null, name: 's', sql: '' },
    ];
    expect(diffModels(model(objects), model([])).missing.map((o) => o.id)).toEqual(['SCHEMA "s"', 'TABLE "s"."z"', 'INDEX "s"."a"', 'INDEX "s"."b"']);
    expect(diffModels(model([...objects].reverse()), model([])).missing.map((o) => o.id)).toEqual(['SCHEMA "s"', 'TABLE "s"."z"', 'INDEX "s"."a"', 'INDEX "s"."b"']);
  });
});

describe('diffLines', () => {
  it('keeps only the lines that differ', () => {
    expect(diffLines('a\nb\nc\nd\n', 'a\nB\nc\nd\ne\n')).toEqual({ removed: ['b'], added: ['B', 'e'] });
    expect(diffLines('same\n', 'same')).toEqual({ removed: [], added: [] });
  });
});

describe('renderDrift', () => {
  it('shows a definition change as - and + lines under the object', () => {
    const drift = diffModels(model([view('SELECT 1\nFROM x\n')]), model([view('SELECT 2\nFROM x\n')]));
    const text = renderDrift(drift, { source: { label: 'a', serverVersion: '15.1' }, target: { label: 'b', serverVersion: '15.1' } });
    expect(text).toContain('Different (1):\n  VIEW "s"."v"\n    definition:\n      - SELECT 1\n      + SELECT 2');
  });
});

describe('schemaModelSchema', () => {
  // Built on first use (a run never reads a model back), then the same schema every time.
  it('is built once, on first use', () => {
    expect(schemaModelSchema()).toBe(schemaModelSchema());
  });

  it('accepts a model and refuses an unknown model version', () => {
    expect(schemaModelSchema().safeParse(model([table([])])).success).toBe(true);
    expect(schemaModelSchema().safeParse({ ...model([]), modelVersion: 2 }).success).toBe(false);
  });
});
