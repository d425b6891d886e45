import { closest, didYouMean } from '../../../lib/config/suggest.js';

describe('closest', () => {
  const keys = ['compression', 'excludeTables', 'excludeTableData', 'tables', 'jobs', 'noOwner'];

  it('finds one typo, a swap, another case or separator style', () => {
    expect(closest('compresion', keys)).toBe('compression');
    expect(closest('jbos', keys)).toBe('jobs');
    expect(closest('exclude-tables', keys)).toBe('excludeTables');
    expect(closest('no_owner', keys)).toBe('noOwner');
    expect(closest('NOOWNER', keys)).toBe('noOwner');
  });

  it('suggests nothing far off, or for a word that is already a candidate', () => {
    expect(closest('frobnicate', keys)).toBeNull();
    expect(closest('x', keys)).toBeNull();
    expect(closest('jobs', keys)).toBeNull();
  });

  it('suggests profile names', () => {
    expect(didYouMean('nigthly', ['full', 'nightly', 'tables'])).toBe(' (did you mean "nightly"?)');
    expect(didYouMean('schemaonly', ['schema-only', 'data-only'])).toBe(' (did you mean "schema-only"?)');
    expect(didYouMean('weekly-report', ['full', 'nightly'])).toBe('');
  });
});
