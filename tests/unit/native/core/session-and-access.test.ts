import { grantsFor } from '../../../../lib/engines/native/table-access.js';
import { formatLockTimeout } from '../../../../lib/engines/native/session-setup.js';
import { copyFromStatement, copyToStatement } from '../../../../lib/engines/native/copy-data.js';

describe('formatLockTimeout', () => {
  it('passes milliseconds and checked intervals, and waits for ever by default', () => {
    expect(formatLockTimeout(undefined)).toBe('0');
    expect(formatLockTimeout(5000)).toBe('5000');
    expect(formatLockTimeout('30 s')).toBe("'30s'");
  });

  it('refuses anything else, so nothing reaches SQL unchecked', () => {
    expect(() => formatLockTimeout("1'; DROP TABLE x; --")).toThrow(/lockWaitTimeout/);
    expect(() => formatLockTimeout(-1)).toThrow(/lockWaitTimeout/);
  });
});

describe('grantsFor', () => {
  it('grants per table, per schema when several tables of it are unreadable, and USAGE where missing', () => {
    const grants = grantsFor(
      { unreadable: [{ schema: 'a', table: 'x' }, { schema: 'B"b', table: 'y' }, { schema: 'B"b', table: 'z' }], schemasWithoutUsage: ['B"b'], rowSecurity: [] },
      'backup role',
    );
    expect(grants).toEqual([
      'GRANT USAGE ON SCHEMA "B""b" TO "backup role";',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "B""b" TO "backup role";',
      'GRANT SELECT ON "a"."x" TO "backup role";',
    ]);
  });
});

describe('COPY statements', () => {
  it('quotes every name and leaves generated columns to the reader', () => {
    const copy = { schema: 'We"ird', table: 'Order Items; DROP', columns: ['id', 'select'], estimatedBytes: 0 };
    expect(copyFromStatement(copy)).toBe('COPY "We""ird"."Order Items; DROP" ("id", "select") FROM stdin;\n');
    expect(copyToStatement(copy)).toBe('COPY "We""ird"."Order Items; DROP" ("id", "select") TO STDOUT');
  });

  it('writes no column list for a table without columns', () => {
    expect(copyFromStatement({ schema: 's', table: 't', columns: [], estimatedBytes: 0 })).toBe('COPY "s"."t" FROM stdin;\n');
  });
});
