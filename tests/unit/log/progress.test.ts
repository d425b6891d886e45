import { Writable } from 'node:stream';
import { createProgress, formatBytes, parsePgDumpVerbose, renderProgressLine } from '../../../lib/log/progress.js';
import { ByteRate } from '../../../lib/log/progress-rate.js';

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
    expect(out.text()).toBe('\r\x1b[2Kfull (app): 123.4 MiB dumped · public.orders');
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
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B dumped');
    clock = 260;
    progress.update({ step: 's', bytes: 4 });
    progress.update({ step: 's', bytes: 5 });
    progress.done();
    progress.update({ step: 's', bytes: 6 });
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B dumped\r\x1b[2Ks: 4 B dumped\r\x1b[2Ks: 5 B dumped\n');
  });

  it('erases its line on clear and draws at once on the next update', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => 0 });
    progress.update({ step: 's', bytes: 1 });
    progress.clear();
    progress.update({ step: 's', bytes: 2 });
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B dumped\r\x1b[2K\r\x1b[2Ks: 2 B dumped');
  });

  it('cuts the line to the terminal width so that it never wraps', () => {
    const out = captureStream(28);
    createProgress({ stream: out.stream, enabled: true }).update({ step: 'full', bytes: 0, table: 'public.a_very_long_table_name' });
    expect(out.text()).toBe('\r\x1b[2Kfull: 0 B dumped · public.…');
  });

  it('writes nothing when disabled', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: false });
    progress.update({ step: 's', bytes: 1 });
    progress.uploaded(1);
    progress.clear();
    progress.stop();
    progress.done();
    expect(out.text()).toBe('');
  });

  it('shows the dump rate once a second of bytes is known, over the last five seconds', () => {
    const out = captureStream();
    let clock = 0;
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => clock });
    const MiB = 1024 * 1024;
    progress.update({ step: 's', bytes: 0 });
    clock = 500;
    progress.update({ step: 's', bytes: 5 * MiB });
    expect(out.text()).toMatch(/s: 5\.0 MiB dumped$/);
    clock = 1000;
    progress.update({ step: 's', bytes: 10 * MiB });
    expect(out.text()).toMatch(/s: 10\.0 MiB dumped, 10\.0 MiB\/s$/);
    // Ten seconds later at 2 MiB/s: the first, fast second is out of the window.
    for (let t = 2000; t <= 11_000; t += 1000) {
      clock = t;
      progress.update({ step: 's', bytes: 10 * MiB + ((t - 1000) / 1000) * 2 * MiB });
    }
    expect(out.text()).toMatch(/s: 30\.0 MiB dumped, 2\.0 MiB\/s$/);
  });

  it('starts the rate over when the next step starts', () => {
    const out = captureStream();
    let clock = 0;
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => clock });
    progress.update({ step: 'a', bytes: 0 });
    clock = 2000;
    progress.update({ step: 'a', bytes: 4096 });
    expect(out.text()).toMatch(/a: 4\.0 KiB dumped, 2\.0 KiB\/s$/);
    clock = 2500;
    progress.update({ step: 'b', bytes: 1024 });
    expect(out.text()).toMatch(/b: 1\.0 KiB dumped$/);
  });

  it('shows the bytes uploaded and their rate beside the dump, redrawing on upload news too', () => {
    const out = captureStream();
    let clock = 0;
    const MiB = 1024 * 1024;
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => clock });
    progress.uploaded(0);
    expect(out.text()).toBe('');
    progress.update({ step: 'full (app)', bytes: 1 * MiB, table: 'public.orders' });
    expect(out.text()).toBe('\r\x1b[2Kfull (app): 1.0 MiB dumped · 0 B uploaded · public.orders');
    clock = 2000;
    progress.uploaded(8 * MiB);
    // The dump has not moved for two seconds: its rate says so.
    expect(out.text()).toMatch(/\r\x1b\[2Kfull \(app\): 1\.0 MiB dumped, 0 B\/s · 8\.0 MiB uploaded, 4\.0 MiB\/s · public\.orders$/);
  });

  it('lets an upload that stalls show its rate falling, not the last one frozen', () => {
    let clock = 0;
    const rate = new ByteRate();
    rate.add(0, 0);
    clock = 1000;
    rate.add(clock, 8 * 1024 * 1024);
    expect(rate.perSecond(clock)).toBe(8 * 1024 * 1024);
    expect(rate.perSecond(2000)).toBe(4 * 1024 * 1024);
    expect(rate.perSecond(10_000)).toBe(0);
  });

  it('erases its line for good on stop: nothing drawn afterwards', () => {
    const out = captureStream();
    const progress = createProgress({ stream: out.stream, enabled: true, now: () => 0 });
    progress.update({ step: 's', bytes: 1 });
    progress.stop();
    progress.update({ step: 's', bytes: 2 });
    progress.uploaded(2);
    progress.done();
    expect(out.text()).toBe('\r\x1b[2Ks: 1 B dumped\r\x1b[2K');
  });
});

describe('renderProgressLine', () => {
  it('puts the dump, its rate, the upload, its rate and the table in one line', () => {
    const MiB = 1024 * 1024;
    expect(renderProgressLine({ step: 'full (app)', bytes: 123.4 * MiB, rate: 12.3 * MiB, uploaded: 96 * MiB, uploadRate: 10.1 * MiB, table: 'public.orders' })).toBe(
      'full (app): 123.4 MiB dumped, 12.3 MiB/s · 96.0 MiB uploaded, 10.1 MiB/s · public.orders',
    );
  });
});
