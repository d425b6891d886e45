import { selectEntries } from '../../../../lib/engines/native/select-entries.js';
import { entry, ids, rel } from './support.js';

const lo = { classid: 2613, objid: 500 };
const all = [
  entry('TABLE', 't', { ref: rel(1) }),
  entry('COMMENT', 't', { after: ['TABLE s.t'] }),
  entry('TABLE DATA', 't'),
  entry('SEQUENCE SET', 'q'),
  entry('LARGE OBJECT', '500', { ref: lo, schema: null, id: 'LARGE OBJECT 500' }),
  entry('OWNER', '500', { dependsOn: [lo], schema: null, id: 'OWNER LARGE OBJECT 500' }),
  entry('INDEX', 'i'),
  entry('MATERIALIZED VIEW DATA', 'mv'),
];

describe('selectEntries', () => {
  it('full keeps everything, large objects included by default', () => {
    expect(selectEntries(all, 'full', true)).toHaveLength(all.length);
  });

  it('schema-only drops data, refreshes and large objects with their decorations', () => {
    expect(ids(selectEntries(all, 'schema-only', true))).toEqual(['TABLE s.t', 'COMMENT s.t', 'INDEX s.i']);
  });

  it('data-only keeps the data section and large objects', () => {
    expect(ids(selectEntries(all, 'data-only', true))).toEqual(['TABLE DATA s.t', 'SEQUENCE SET s.q', 'LARGE OBJECT 500', 'OWNER LARGE OBJECT 500']);
  });

  it('large-objects keeps only large objects', () => {
    expect(ids(selectEntries(all, 'large-objects', true))).toEqual(['LARGE OBJECT 500', 'OWNER LARGE OBJECT 500']);
  });

  it('tables leaves large objects out unless asked', () => {
    expect(ids(selectEntries(all, 'tables', false))).not.toContain('LARGE OBJECT 500');
    expect(ids(selectEntries(all, 'tables', false))).not.toContain('OWNER LARGE OBJECT 500');
  });
});
