import { emptyDependencyGraph } from '../../../../lib/engines/native/dependencies.js';
import { buildSplitToc } from '../../../../lib/engines/native/split/split-toc.js';
import type { TocEntry } from '../../../../lib/engines/native/toc.js';

const PG_CLASS = 1259;
const PG_CONSTRAINT = 2606;
const rel = (objid: number) => ({ classid: PG_CLASS, objid });
const con = (objid: number) => ({ classid: PG_CONSTRAINT, objid });

function entry(over: Partial<TocEntry> & Pick<TocEntry, 'id' | 'kind' | 'section' | 'name'>): TocEntry {
  return { schema: 'public', ref: null, dependsOn: [], sql: `-- ${over.id}\n`, ...over };
}

const table = (name: string, objid: number) => entry({ id: `TABLE ${name}`, kind: 'TABLE', section: 'pre-data', name, ref: rel(objid) });
const data = (name: string) => entry({ id: `TABLE DATA ${name}`, kind: 'TABLE DATA', section: 'data', name, sql: '', copy: { schema: 'public', table: name, columns: ['x'], estimatedBytes: 1 } });

describe('buildSplitToc', () => {
  const pkey = entry({ id: 'CONSTRAINT b_pkey', kind: 'CONSTRAINT', section: 'post-data', name: 'b_pkey', ref: con(300), dependsOn: [rel(200)] });
  const fk = entry({ id: 'FK CONSTRAINT a_b_fkey', kind: 'FK CONSTRAINT', section: 'post-data', name: 'a_b_fkey', ref: con(400), dependsOn: [rel(100), rel(200)] });
  const partIndex = entry({ id: 'INDEX p_idx', kind: 'INDEX', section: 'post-data', name: 'p_idx', ref: rel(501), dependsOn: [rel(500)] });
  const index = entry({ id: 'INDEX a_idx', kind: 'INDEX', section: 'post-data', name: 'a_idx', ref: rel(101), dependsOn: [rel(100)] });
  const written = [table('a', 100), table('b', 200), table('p', 500), data('a'), data('b'), pkey, index, partIndex, fk];
  const graph = emptyDependencyGraph();
  // The foreign key needs the referenced key's index, which its constraint owns.
  graph.dependsOn.set(`${PG_CONSTRAINT}:400`, [rel(301)]);
  graph.ownerOf.set(`${PG_CLASS}:301`, con(300));
  const placed = [pkey, index, partIndex, fk].map((e, i) => ({ entry: e, range: [i * 10, i * 10 + 10] as [number, number] }));
  const parts = new Map([
    ['TABLE DATA a', 'data/0001.sql'],
    ['TABLE DATA b', 'data/0002.sql'],
  ]);
  const toc = buildSplitToc(written, placed, parts, graph, { name: 'post-data.sql', prelude: [0, 5] });

  it('makes a foreign key wait for the key it references and for both tables\' rows, locking both tables', () => {
    expect(toc.items[3]).toMatchObject({ id: 'FK CONSTRAINT a_b_fkey', needs: [0], data: ['data/0001.sql', 'data/0002.sql'], tables: ['TABLE a', 'TABLE b'], exclusive: true });
  });

  it('lets an index wait only for its own table\'s rows, sharing the table with other indexes', () => {
    expect(toc.items[0]).toMatchObject({ id: 'CONSTRAINT b_pkey', needs: [], data: ['data/0002.sql'], exclusive: true });
    expect(toc.items[1]).toMatchObject({ id: 'INDEX a_idx', needs: [], data: ['data/0001.sql'], exclusive: false });
  });

  it('makes an item on a table without rows of its own (a partitioned table) wait for all data', () => {
    expect(toc.items[2]).toMatchObject({ id: 'INDEX p_idx', data: null });
  });

  it('records where each item and the session settings lie in post-data.sql', () => {
    expect(toc).toMatchObject({ format: 1, postData: 'post-data.sql', prelude: [0, 5] });
    expect(toc.items.map((i) => i.range)).toEqual([[0, 10], [10, 20], [20, 30], [30, 40]]);
    expect(toc.dataAfter).toBeUndefined();
  });
});
