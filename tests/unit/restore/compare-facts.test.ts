import { compareFacts } from '../../../lib/restore/compare-facts.js';
import { groupSteps } from '../../../lib/restore/verify-archive.js';
import { scratchDatabaseName } from '../../../lib/restore/scratch-name.js';
import { parseServer } from '../../../lib/restore/verify-connection.js';
import { step } from './support.js';

const expected = step({
  name: 'full',
  rowCounts: { mode: 'exact', tables: { 'public.orders': 3000, 'public.gone': 1, 'public.secret': null } },
  sequences: { 'public.orders_id_seq': { lastValue: '3000', isCalled: true }, 'billing.ticket_seq': { lastValue: '42', isCalled: false } },
  largeObjects: 2,
});
// What the dump's setval statements set: on a quiet database, what the manifest saw.
const dumped = { 'public.orders_id_seq': { lastValue: '3000', isCalled: true }, 'billing.ticket_seq': { lastValue: '42', isCalled: false } };

describe('compareFacts', () => {
  it('reports nothing when rows, sequences and large objects match', () => {
    const facts = {
      rowCounts: { mode: 'exact' as const, tables: { 'public.orders': 3000, 'public.gone': 1, 'public.extra': 5 } },
      sequences: { 'public.orders_id_seq': { lastValue: '3000', isCalled: true }, 'billing.ticket_seq': { lastValue: '42', isCalled: false } },
      largeObjects: 2,
      warnings: [],
    };
    const { mismatches, checks } = compareFacts(expected, facts, dumped);
    expect(mismatches).toEqual([]);
    expect(checks).toEqual({ tables: 2, sequences: 2, largeObjects: true, skipped: ['public.secret was not counted at backup time'] });
  });

  it('reports each difference with the table, what was expected and what was found', () => {
    const facts = {
      rowCounts: { mode: 'exact' as const, tables: { 'public.orders': 2995 } },
      sequences: { 'public.orders_id_seq': { lastValue: '3000', isCalled: false } },
      largeObjects: 1,
      warnings: [],
    };
    expect(compareFacts(expected, facts, dumped).mismatches).toEqual([
      { step: 'full', database: 'app', check: 'rows', object: 'public.orders', expected: '3000', found: '2995' },
      { step: 'full', database: 'app', check: 'rows', object: 'public.gone', expected: '1', found: 'missing' },
      { step: 'full', database: 'app', check: 'sequence', object: 'public.orders_id_seq', expected: '3000 (is_called true)', found: '3000 (is_called false)' },
      { step: 'full', database: 'app', check: 'sequence', object: 'billing.ticket_seq', expected: '42 (is_called false)', found: 'missing' },
      { step: 'full', database: 'app', check: 'large objects', object: '*', expected: '2', found: '1' },
    ]);
  });

  it('compares sequences with the value the dump sets, not with the manifest read at another moment (busy database)', () => {
    // Writers ran on: the manifest read 3000, the dump's setval (read later) says 3125.
    const busy = { 'public.orders_id_seq': { lastValue: '3125', isCalled: true }, 'billing.ticket_seq': { lastValue: '42', isCalled: false } };
    const restored = { rowCounts: { mode: 'exact' as const, tables: { 'public.orders': 3000, 'public.gone': 1 } }, sequences: busy, largeObjects: 2, warnings: [] };
    expect(compareFacts(expected, restored, busy).mismatches).toEqual([]);

    // A restore that did not bring back what the dump sets still fails.
    const wrong = { ...restored, sequences: { ...busy, 'public.orders_id_seq': { lastValue: '3130', isCalled: true } } };
    expect(compareFacts(expected, wrong, busy).mismatches).toEqual([
      { step: 'full', database: 'app', check: 'sequence', object: 'public.orders_id_seq', expected: '3125 (is_called true)', found: '3130 (is_called true)' },
    ]);
  });

  it('says which sequences of the manifest the dump gives no value, without failing on them', () => {
    const restored = { rowCounts: { mode: 'exact' as const, tables: { 'public.orders': 3000, 'public.gone': 1 } }, sequences: {}, largeObjects: 2, warnings: [] };
    const result = compareFacts(expected, restored, { 'public.orders_id_seq': { lastValue: '3000', isCalled: true } });
    expect(result.mismatches).toEqual([
      { step: 'full', database: 'app', check: 'sequence', object: 'public.orders_id_seq', expected: '3000 (is_called true)', found: 'missing' },
    ]);
    expect(result.checks.sequences).toBe(1);
    expect(result.checks.skipped).toContain('the dump sets no value for sequence billing.ticket_seq');
  });

  it('does not compare estimated row counts', () => {
    const estimated = step({ name: 'full', rowCounts: { mode: 'estimate', tables: { 'public.orders': 2900 } } });
    const result = compareFacts(estimated, { rowCounts: null, sequences: {}, largeObjects: null, warnings: [] }, {});
    expect(result.mismatches).toEqual([]);
    expect(result.checks.skipped).toEqual(['row counts were estimated at backup time']);
  });
});

describe('verify planning', () => {
  it('restores a data-only step into the scratch database of the schema-only step before it, and skips globals', () => {
    const groups = groupSteps([
      step({ name: 'schema', kind: 'schema-only' }),
      step({ name: 'data', kind: 'data-only' }),
      step({ name: 'other', database: 'other' }),
      step({ name: 'globals', kind: 'globals-only', database: null }),
    ]);
    expect(groups.map((g) => g.map((s) => s.name))).toEqual([['schema', 'data'], ['other']]);
  });

  it('names scratch databases pgbak_verify_<profile>_<random> with unsafe characters replaced', () => {
    expect(scratchDatabaseName('Nightly Prod!', () => 'abc123')).toBe('pgbak_verify_nightly_prod_abc123');
  });

  it('reads --server as host, host:port or [v6]:port', () => {
    expect(parseServer('db.example.com')).toEqual({ host: 'db.example.com' });
    expect(parseServer('db:6432')).toEqual({ host: 'db', port: 6432 });
    expect(parseServer('[::1]:5433')).toEqual({ host: '::1', port: 5433 });
    expect(parseServer('/var/run/postgresql')).toEqual({ host: '/var/run/postgresql' });
  });
});
