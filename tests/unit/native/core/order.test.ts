import { buildDependencyGraph, emptyDependencyGraph } from '../../../../lib/engines/native/dependencies.js';
import { orderEntries } from '../../../../lib/engines/native/order.js';
import { entry, ids, pgClass, rel } from './support.js';

const pgRewrite = 2618;
const pgProc = 1255;

const dep = (classid: number, objid: number, refclassid: number, refobjid: number, deptype = 'n') => ({
  classid: String(classid), objid: String(objid), refclassid: String(refclassid), refobjid: String(refobjid), deptype, owned_sequence: false,
});

describe('orderEntries', () => {
  it('writes pre-data, data and post-data in that order, then grants, then refreshes', () => {
    const entries = [
      entry('MATERIALIZED VIEW DATA', 'mv'),
      entry('ACL', 't', { after: ['TABLE s.t'] }),
      entry('INDEX', 'i'),
      entry('TABLE DATA', 't'),
      entry('TABLE', 't', { ref: rel(1) }),
    ];
    expect(ids(orderEntries(entries).entries)).toEqual(['TABLE s.t', 'TABLE DATA s.t', 'INDEX s.i', 'ACL s.t', 'MATERIALIZED VIEW DATA s.mv']);
  });

  it('breaks ties by kind, then schema, then name, whatever order the readers returned', () => {
    const entries = [
      entry('VIEW', 'a', { ref: rel(5) }),
      entry('TABLE', 'b', { ref: rel(2), schema: 'z' }),
      entry('TABLE', 'b', { ref: rel(3), schema: 'a' }),
      entry('SCHEMA', 'q', { schema: null, id: 'SCHEMA q' }),
      entry('TABLE', 'a', { ref: rel(4), schema: 'z' }),
    ];
    const expected = ['SCHEMA q', 'TABLE a.b', 'TABLE z.a', 'TABLE z.b', 'VIEW s.a'];
    expect(ids(orderEntries(entries).entries)).toEqual(expected);
    expect(ids(orderEntries([...entries].reverse()).entries)).toEqual(expected);
  });

  it('puts an object after what it depends on, through dependsOn, after and pg_depend', () => {
    const entries = [
      entry('TABLE', 'a', { ref: rel(1), dependsOn: [{ classid: pgProc, objid: 9 }] }),
      entry('FUNCTION', 'f', { ref: { classid: pgProc, objid: 9 }, after: ['VIEW s.v'] }),
      entry('VIEW', 'v', { ref: rel(3) }),
      entry('VIEW', 'w', { ref: rel(4) }),
    ];
    // w is read by v: pg_depend says v's _RETURN rule (owned by v) uses w.
    const graph = buildDependencyGraph([dep(pgRewrite, 30, pgClass, 3, 'i'), dep(pgRewrite, 30, pgClass, 4)]);
    const { entries: ordered, warnings } = orderEntries(entries, graph);
    expect(ids(ordered)).toEqual(['VIEW s.w', 'VIEW s.v', 'FUNCTION s.f', 'TABLE s.a']);
    expect(warnings).toEqual([]);
  });

  it('gives a sub-object without an entry of its own to the object that owns it', () => {
    // The table's default (pg_attrdef 40, 'a' on the table) calls a function: inlined, the table needs the function.
    const graph = buildDependencyGraph([dep(2604, 40, pgClass, 1, 'a'), dep(2604, 40, pgProc, 9)]);
    const entries = [entry('TABLE', 'a', { ref: rel(1) }), entry('VIEW', 'f', { ref: { classid: pgProc, objid: 9 } })];
    expect(ids(orderEntries(entries, graph).entries)).toEqual(['VIEW s.f', 'TABLE s.a']);
    // Written as its own DEFAULT entry, the default needs the function, the table does not.
    const withDefault = [...entries, entry('DEFAULT', 'a x', { ref: { classid: 2604, objid: 40 } })];
    expect(ids(orderEntries(withDefault, graph).entries)).toEqual(['TABLE s.a', 'VIEW s.f', 'DEFAULT s.a x']);
  });

  it('writes a loose operator family member\'s function before the family, not the family before the function', () => {
    // ALTER OPERATOR FAMILY … ADD FUNCTION: pg_amproc 50 links 'a' to its function (9) and to the family (70).
    const pgAmproc = 2603;
    const pgOpfamily = 2753;
    const graph = buildDependencyGraph([dep(pgAmproc, 50, pgProc, 9, 'a'), dep(pgAmproc, 50, pgOpfamily, 70, 'a')]);
    const entries = [
      entry('OPERATOR FAMILY', 'fam', { ref: { classid: pgOpfamily, objid: 70 } }),
      entry('FUNCTION', 'z', { ref: { classid: pgProc, objid: 9 } }),
    ];
    const { entries: ordered, warnings } = orderEntries(entries, graph);
    expect(ids(ordered)).toEqual(['FUNCTION s.z', 'OPERATOR FAMILY s.fam']);
    expect(warnings).toEqual([]);
  });

  it('does not make a serial sequence wait for its table (OWNED BY is its own entry)', () => {
    const graph = buildDependencyGraph([
      { ...dep(pgClass, 2, pgClass, 1, 'a'), owned_sequence: true },
      dep(2604, 40, pgClass, 1, 'a'),
      dep(2604, 40, pgClass, 2),
    ]);
    const entries = [
      entry('TABLE', 't', { ref: rel(1) }),
      entry('SEQUENCE', 't_id_seq', { ref: rel(2) }),
      entry('SEQUENCE OWNED BY', 't_id_seq', { dependsOn: [rel(2), rel(1)] }),
    ];
    const { entries: ordered, warnings } = orderEntries(entries, graph);
    expect(ids(ordered)).toEqual(['SEQUENCE s.t_id_seq', 'TABLE s.t', 'SEQUENCE OWNED BY s.t_id_seq']);
    expect(warnings).toEqual([]);
  });

  it('writes a COMMENT or OWNER right after its object, not at the end of the section', () => {
    const entries = [
      entry('TABLE', 'a', { ref: rel(1) }),
      entry('TABLE', 'b', { ref: rel(2) }),
      entry('OWNER', 'a', { after: ['TABLE s.a'] }),
      entry('COMMENT', 'a', { after: ['TABLE s.a'] }),
      entry('COMMENT', 'b', { dependsOn: [rel(2)] }),
    ];
    expect(ids(orderEntries(entries).entries)).toEqual(['TABLE s.a', 'COMMENT s.a', 'OWNER s.a', 'TABLE s.b', 'COMMENT s.b']);
  });

  it('breaks a dependency loop deterministically and reports it', () => {
    const entries = [
      entry('VIEW', 'v', { ref: rel(3), dependsOn: [{ classid: pgProc, objid: 9 }] }),
      entry('FUNCTION', 'f', { ref: { classid: pgProc, objid: 9 }, dependsOn: [rel(3)] }),
      entry('TABLE', 't', { ref: rel(1) }),
    ];
    const first = orderEntries(entries);
    expect(ids(first.entries)).toEqual(['TABLE s.t', 'FUNCTION s.f', 'VIEW s.v']);
    expect(first.warnings).toEqual(['dependency loop: FUNCTION s.f needs VIEW s.v needs FUNCTION s.f; wrote FUNCTION s.f first']);
    expect(orderEntries([...entries].reverse())).toEqual(first);
  });

  it('reports a dependency on an entry written in a later section', () => {
    const entries = [entry('VIEW', 'v', { ref: rel(3), dependsOn: [{ classid: 2606, objid: 7 }] }), entry('CONSTRAINT', 'pk', { ref: { classid: 2606, objid: 7 } })];
    const { entries: ordered, warnings } = orderEntries(entries, emptyDependencyGraph());
    expect(ids(ordered)).toEqual(['VIEW s.v', 'CONSTRAINT s.pk']);
    expect(warnings).toEqual(['VIEW s.v (pre-data) depends on CONSTRAINT s.pk, which is written later (post-data); a restore may fail there']);
  });

  it('refuses two entries with the same id', () => {
    expect(() => orderEntries([entry('TABLE', 'a'), entry('TABLE', 'a')])).toThrow('two catalog entries have the id TABLE s.a');
  });

  it('orders a long chain quickly', () => {
    const n = 20_000;
    const entries = Array.from({ length: n }, (_, i) => entry('VIEW', `v${String(i).padStart(5, '0')}`, { ref: rel(i + 1), dependsOn: i + 1 < n ? [rel(i + 2)] : [] }));
    const ordered = orderEntries(entries).entries;
    expect(ordered[0]!.name).toBe('v19999');
    expect(ordered[n - 1]!.name).toBe('v00000');
  });
});

describe('buildDependencyGraph', () => {
  it('maps sub-objects to their owner, internal links before auto ones', () => {
    const graph = buildDependencyGraph([dep(1247, 50, pgClass, 1, 'a'), dep(1247, 50, 1247, 49, 'i'), dep(pgClass, 60, 3079, 70, 'e')]);
    expect(graph.ownerOf.get('1247:50')).toEqual({ classid: 1247, objid: 49 });
    expect(graph.ownerOf.get('1259:60')).toEqual({ classid: 3079, objid: 70 });
    // An extension member needs nothing: CREATE EXTENSION makes it.
    expect(graph.dependsOn.get('1259:60')).toBeUndefined();
  });
});
