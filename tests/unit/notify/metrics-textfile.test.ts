import { link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgbakError } from '../../../lib/errors.js';
import { mergeRunMetrics, parseExposition, recordRunMetrics, textfileLockPath, updateTextfile, type RunOutcome } from '../../../lib/notify/metrics/index.js';
import { deadOwner } from '../retention/fake-backups.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { expectValidMetrics, itWithPromtool } from '../../support/promtool.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgbak-metrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function outcome(profile: string, database: string, ok = true): RunOutcome {
  const startedAt = new Date('2026-12-01T01:00:00Z');
  return {
    profile,
    host: 'db1',
    databases: [database],
    allDatabases: false,
    startedAt,
    finishedAt: new Date('2026-12-01T01:01:00Z'),
    backup: ok ? { startedAt, bytes: 10, tables: { [database]: 3 }, verified: true } : null,
  };
}

const reporter = () => {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => warnings.push(m), debug: () => undefined };
};

const series = (text: string) => parseExposition(text, () => true).samples.filter((s) => s.name === 'pgbak_last_run_success').map((s) => `${s.labels.profile}/${s.labels.database}`).sort();

describe('metrics textfile', () => {
  itWithPromtool('writes a file node_exporter can read (0644) and promtool accepts, leaving no temp or lock file', async () => {
    const path = join(dir, 'pgbak.prom');
    const report = reporter();
    await recordRunMetrics({ textfile: path }, outcome('nightly', 'app'), report);
    await recordRunMetrics({ textfile: path }, outcome('weekly', 'app"\\\n'), report);
    expect(report.warnings).toEqual([]);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['pgbak.prom']);
    const text = await readFile(path, 'utf8');
    expect(series(text)).toEqual(['nightly/app', 'weekly/app"\\\n']);
    expectValidMetrics(text);
  });

  it('replaces the file by rename: a reader holding the old file sees it whole, the new one is another inode', async () => {
    const path = join(dir, 'pgbak.prom');
    await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'app')));
    const held = await open(path, 'r');
    try {
      const before = await readFile(path, 'utf8');
      const inode = (await stat(path)).ino;
      await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'crm')));
      expect((await stat(path)).ino).not.toBe(inode);
      expect(await held.readFile('utf8')).toBe(before);
    } finally {
      await held.close();
    }
  });

  it('never shows a partial file and loses no run when many runs write it at once (the lock serialises them)', async () => {
    const path = join(dir, 'pgbak.prom');
    const databases = Array.from({ length: 24 }, (_, i) => `db${String(i).padStart(2, '0')}`);
    let reading = true;
    const reads: string[] = [];
    const reader = (async () => {
      while (reading) {
        reads.push(await readFile(path, 'utf8').catch(() => ''));
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await Promise.all(databases.map((database) => updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', database)))));
    reading = false;
    await reader;
    expect(series(await readFile(path, 'utf8'))).toEqual(databases.map((d) => `nightly/${d}`));
    // Every read is a whole file: it ends with a newline and every line reads.
    for (const text of reads.filter((t) => t !== '')) {
      expect(text.endsWith('\n')).toBe(true);
      expect(parseExposition(text, () => true).skipped).toBe(0);
    }
    expect(reads.filter((t) => t !== '').length).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(['pgbak.prom']);
  });

  it('refuses a symlink at the textfile path: the link and its target are left as they were, a warning says why', async () => {
    const target = join(dir, 'elsewhere.txt');
    await writeFile(target, 'precious\n');
    const path = join(dir, 'pgbak.prom');
    await symlink(target, path);
    const report = reporter();
    await recordRunMetrics({ textfile: path }, outcome('nightly', 'app'), report);
    expect(report.warnings).toEqual([expect.stringMatching(/^metrics not written to .*pgbak\.prom: the metrics textfile .* is a symbolic link: not written/)]);
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    expect((await readdir(dir)).sort()).toEqual(['elsewhere.txt', 'pgbak.prom']);
  });

  it('warns (and does not create it) when the textfile folder is missing', async () => {
    const report = reporter();
    await recordRunMetrics({ textfile: join(dir, 'missing', 'pgbak.prom') }, outcome('nightly', 'app'), report);
    expect(report.warnings).toEqual([expect.stringMatching(/metrics folder .*missing does not exist/)]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes temp files a killed writer left (only the lock holder makes them), and nothing else', async () => {
    const path = join(dir, 'pgbak.prom');
    await writeFile(join(dir, '.pgbak.prom.4242.deadbeef.tmp'), 'pgbak_last_run_success{profile="x"');
    await writeFile(join(dir, 'other.prom'), 'node_thing 1\n');
    await writeFile(join(dir, '.other.prom.4242.deadbeef.tmp'), '');
    await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'app')));
    expect((await readdir(dir)).sort()).toEqual(['.other.prom.4242.deadbeef.tmp', 'other.prom', 'pgbak.prom']);
  });

  it('takes over a lock whose process is gone', async () => {
    const path = join(dir, 'pgbak.prom');
    await writeFile(textfileLockPath(path), JSON.stringify(await deadOwner()));
    await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'app')));
    expect(await readdir(dir)).toEqual(['pgbak.prom']);
  });

  it('waits for a live lock, then gives up with LOCKED and leaves the file as it was', async () => {
    const path = join(dir, 'pgbak.prom');
    await writeFile(path, '');
    await writeFile(textfileLockPath(path), JSON.stringify(await currentOwner()));
    const started = Date.now();
    const error = await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'app')), { lockWaitMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgbakError);
    expect((error as PgbakError).code).toBe('LOCKED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await readFile(path, 'utf8')).toBe('');
    expect((await readdir(dir)).sort()).toEqual(['.pgbak.prom.lock', 'pgbak.prom']);
  });

  it('a hard link planted at the textfile name is replaced, never written through', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'keep me\n');
    await mkdir(join(dir, 'sub'));
    const path = join(dir, 'sub', 'pgbak.prom');
    await link(victim, path);
    await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome('nightly', 'app')));
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    expect(series(await readFile(path, 'utf8'))).toEqual(['nightly/app']);
  });
});

describe('the promtool check itself', () => {
  itWithPromtool('fails on a metric promtool lints (so a passing test means promtool accepted the text)', () => {
    expect(() => expectValidMetrics('# HELP pgbak_x_total A gauge with a counter suffix.\n# TYPE pgbak_x_total gauge\npgbak_x_total 1\n')).toThrow(/promtool check metrics exited with 3/);
  });
});
