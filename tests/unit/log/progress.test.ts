import { Writable } from 'node:stream';
import { createProgress, formatBytes, parsePgDumpVerbose } from '../../../lib/log/progress.js';

function captureStream(columns?: number) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as Writable & { columns?: number };
  stream.columns = columns;
  return { stream, text: () => text };
}

describe('formatBytes', () => {
  it('uses bytes below 1 KiB and binary units with one decimal above', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(123.4 * 1024 * 1024)).toBe('123.4 MiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('never shows 1024.0 of a unit', () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
  });
});

describe('parsePgDumpVerbose', () => {
  it('reads the table from a PostgreSQL 12+ line', () => {
    expect(parsePgDumpVerbose('pg_dump: dumping contents of table "public.pgbench_accounts"')).toEqual({ table: 'public.pgbench_accounts' });
  });

  it('reads the table from an older unquoted line', () => {
    expect(parsePgDumpVerbose('pg_dump: dumping contents of table public.x\n')).toEqual({ table: 'public.x' });
  });

  it('keeps names with spaces and quotes whole', () => {
    expect(parsePgDumpVerbose('pg_dump: dumping contents of table "My Schema.Order "Items""')).toEqual({ table: 'My Schema.Order "Items"' });
  });

  it('reads lines from pg_dumpall runs', () => {
    expect(parsePgDumpVerbose('pg_dumpall: dumping contents of table "public.t"')).toEqual({ table: 'public.t' });
  });

  it('returns null for every other verbose line', () => {
    for (const line of [
      'pg_dump: last built-in OID is 16383',
      'pg_dump: reading extensions',
      'pg_dump: finished item 3377 TABLE DATA pgbench_accounts',
      'pg_dump: error: query failed: ERROR:  permission denied for table orders',
      '',
    ]) {
      expect(parsePgDumpVerbose(line)).toBeNull();
    }
  });
});

describe('createProgress', () => {
  it('draws one self-overwriting line with the step, the size and the table', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: true });
    progress.update({ step: 'full (app)', bytes: 123.4 * 1024 * 1024, table: 'public.orders' });
    expect(out.text()).toBe('\r\x1b[2Kfull (app): 123.4 MiB · public.orders');
  });

  it('redraws at most once per interval and shows the last state when done', () => {
    const out = captureStream();
    let clock = 0;
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => clock });
    progress.update({ step: 's', bytes: 1 });
    clock = 100;
    progress.update({ step: 's', bytes: 2 });
    clock = 200;
    progress.update({ step: 's', bytes: 3 });
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B');
    clock = 260;
    progress.update({ step: 's', bytes: 4 });
    progress.update({ step: 's', bytes: 5 });
    progress.done();
    progress.update({ step: 's', bytes: 6 });
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B\r\x1b[2Ks: 4 B\r\x1b[2Ks: 5 B\n');
  });

  it('erases its line on clear and draws at once on the next update', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => 0 });
    progress.update({ step: 's', bytes: 1 });
    progress.clear();
    progress.update({ step: 's', bytes: 2 });
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B\r\x1b[2K\r\x1b[2Ks: 2 B');
  });

  it('cuts the line to the terminal width so that it never wraps', () => {
    const out = captureStream(20);
    createProgress({ stream: out.stream, enabled: true }).update({ step: 'full', bytes: 0, table: 'public.a_very_long_table_name' });
    expect(out.text()).toBe('\r\x1b[2Kfull: 0 B · public…');
  });

  it('writes nothing when disabled', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: false });
    progress.update({ step: 's', bytes: 1 });
    progress.clear();
    progress.done();
    expect(out.text()).toBe('');
  });
});
