// Metrics after real runs (the built CLI, a real PostgreSQL): the node_exporter textfile
// after a success, after a failure (success kept), after a run that failed before
// connecting, merged across profiles; `status --format prometheus` over the folder and
// over a bucket (s3rver on loopback). Every output goes through `promtool check metrics`.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseExposition, type Sample } from '../../../lib/notify/metrics/index.js';
import { manifestOf } from '../../support/archive-manifest.js';
import { lockFileName } from '../../../lib/plan/names.js';
import { currentOwner } from '../../../lib/process/owner.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { expectValidMetrics, itWithPromtool } from '../../support/promtool.js';
import { s3ClientEnv, startS3Server, type S3TestServer } from '../../support/s3-server.js';
import { closedPort, errorReport, tempDirs } from '../failures/helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
let database: TestDatabase;
let s3: S3TestServer;
const BUCKET = 'metrics';

beforeAll(async () => {
  database = await createTestDatabase(cluster, 'metrics');
  await query(cluster, database.name, 'CREATE TABLE items (id int PRIMARY KEY); CREATE TABLE notes (id int); INSERT INTO items SELECT generate_series(1, 100);');
  s3 = await startS3Server([BUCKET]);
});

afterAll(async () => {
  await database?.drop();
  await s3?.stop();
  await dirs.removeAll();
});

// A profile file named <name>.yaml whose textfile is $METRICS_DIR/pgbak.prom.
async function profileFile(dir: string, name: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, ['rowCounts: exact', 'metrics:', '  textfile: "${METRICS_DIR}/pgbak.prom"', 'steps:', '  - kind: full', ''].join('\n'));
  return file;
}

function samplesOf(text: string): Sample[] {
  return parseExposition(text, () => true).samples;
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('metrics after pgbak run', () => {
  itWithPromtool('a success, then a failure (success kept), then another profile: one textfile, merged, 0644, promtool-clean', async () => {
    const work = await dirs.make('pgbak-metrics-');
    const out = path.join(work, 'backups');
    const metricsDir = path.join(work, 'textfile');
    await mkdir(metricsDir);
    const env = { ...pgEnv(cluster, database.name), METRICS_DIR: metricsDir };
    const textfile = path.join(metricsDir, 'pgbak.prom');
    const nightly = await profileFile(work, 'nightly');
    const group = { profile: 'nightly', database: database.name, host: cluster.host };

    const ok = await runCli(['run', nightly, '--output-dir', out, '--verify', '--json'], { env, cwd: work });
    expect(ok.stderr).not.toMatch(/metrics (not|were not)/);
    expect(ok.exitCode).toBe(0);
    const summary = JSON.parse(ok.stdout) as { archive: string; bytes: number; startedAt: string };
    const manifest = await manifestOf(summary.archive);
    expect(manifest.source.host).toBe(cluster.host);
    const afterSuccess = await readFile(textfile, 'utf8');
    expectValidMetrics(afterSuccess);
    expect((await stat(textfile)).mode & 0o777).toBe(0o644);
    let samples = samplesOf(afterSuccess);
    const started = Date.parse(manifest.startedAt) / 1000;
    expect(valueOf(samples, 'pgbak_last_success_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_run_success', group)).toBe(1);
    expect(valueOf(samples, 'pgbak_last_backup_size_bytes', group)).toBe((await stat(summary.archive)).size);
    expect(valueOf(samples, 'pgbak_last_backup_tables', group)).toBe(2);
    expect(valueOf(samples, 'pgbak_last_verified_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_run_duration_seconds', group)).toBeGreaterThan(0);
    expect(valueOf(samples, 'pgbak_last_failure_timestamp_seconds', group)).toBeUndefined();

    // The server moves away: the run fails while connecting.
    const port = await closedPort();
    const before = Date.now() / 1000;
    const failed = await runCli(['run', nightly, '--output-dir', out], { env: { ...env, PGPORT: String(port) }, cwd: work });
    expect(failed.exitCode).toBe(1);
    expect(errorReport(failed.stderr).message).toMatch(/cannot connect/);
    expect(failed.stderr).not.toMatch(/metrics (not|were not)/);
    const afterFailure = await readFile(textfile, 'utf8');
    expectValidMetrics(afterFailure);
    samples = samplesOf(afterFailure);
    expect(valueOf(samples, 'pgbak_last_run_success', group)).toBe(0);
    expect(valueOf(samples, 'pgbak_last_failure_timestamp_seconds', group)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(valueOf(samples, 'pgbak_last_success_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_verified_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_backup_tables', group)).toBe(2);

    // Another profile writes the same textfile: both are there.
    const weekly = await profileFile(work, 'weekly');
    expect((await runCli(['run', weekly, '--output-dir', out], { env, cwd: work })).exitCode).toBe(0);
    const merged = await readFile(textfile, 'utf8');
    expectValidMetrics(merged);
    samples = samplesOf(merged);
    expect(valueOf(samples, 'pgbak_last_run_success', group)).toBe(0);
    expect(valueOf(samples, 'pgbak_last_run_success', { ...group, profile: 'weekly' })).toBe(1);
    // Only the textfile in node_exporter's folder: no temp file, no lock left.
    expect(await readdir(metricsDir)).toEqual(['pgbak.prom']);

    // status over the folder prints the same families, judged from the backups there.
    const status = await runCli(['status', out, '--format', 'prometheus', '--max-age', '1d'], { cwd: work });
    expect(status.exitCode).toBe(0);
    expectValidMetrics(`${status.stdout}\n`);
    samples = samplesOf(status.stdout);
    expect(valueOf(samples, 'pgbak_last_success_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_verified_timestamp_seconds', group)).toBe(started);
    expect(valueOf(samples, 'pgbak_last_backup_size_bytes', group)).toBe((await stat(summary.archive)).size);
    expect(valueOf(samples, 'pgbak_last_run_success', group)).toBe(0);
    // The failed run's log is in the folder: status knows when it failed.
    expect(valueOf(samples, 'pgbak_last_failure_timestamp_seconds', group)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(valueOf(samples, 'pgbak_stale', group)).toBe(0);
    expect(valueOf(samples, 'pgbak_max_age_seconds', group)).toBe(86400);
  });

  itWithPromtool('a run that fails before its server answers writes its failure under the database it was to back up; status exits 3 when stale, metrics printed', async () => {
    const work = await dirs.make('pgbak-metrics-');
    const out = path.join(work, 'backups');
    const metricsDir = path.join(work, 'textfile');
    await mkdir(metricsDir);
    const port = await closedPort();
    const env = { ...pgEnv(cluster, 'never_there'), PGHOST: '127.0.0.1', PGPORT: String(port), METRICS_DIR: metricsDir };
    const file = await profileFile(work, 'early');

    const result = await runCli(['run', file, '--output-dir', out], { env, cwd: work });
    expect(result.exitCode).toBe(1);
    const text = await readFile(path.join(metricsDir, 'pgbak.prom'), 'utf8');
    expectValidMetrics(text);
    expect(samplesOf(text).map((s) => [s.name, s.labels, s.value > 0])).toEqual([
      ['pgbak_last_failure_timestamp_seconds', { profile: 'early', database: 'never_there', host: '127.0.0.1' }, true],
      ['pgbak_last_run_success', { profile: 'early', database: 'never_there', host: '127.0.0.1' }, false],
      ['pgbak_last_run_duration_seconds', { profile: 'early', database: 'never_there', host: '127.0.0.1' }, expect.any(Boolean)],
    ]);

    const stale = await runCli(['status', out, '--format', 'prometheus', '--max-age', '26h'], { cwd: work });
    expect(stale.exitCode).toBe(3);
    expect(stale.stderr).toMatch(/STALE early\/never_there: no successful backup/);
    expectValidMetrics(`${stale.stdout}\n`);
    expect(valueOf(samplesOf(stale.stdout), 'pgbak_stale', { profile: 'early', database: 'never_there' })).toBe(1);
    expect(valueOf(samplesOf(stale.stdout), 'pgbak_last_run_success', { profile: 'early', database: 'never_there' })).toBe(0);

    // Output for a program: printed with --quiet too (as --json is).
    const quiet = await runCli(['status', out, '--format', 'prometheus', '--quiet'], { cwd: work });
    expect(quiet.exitCode).toBe(0);
    expect(valueOf(samplesOf(quiet.stdout), 'pgbak_last_run_success', { profile: 'early', database: 'never_there' })).toBe(0);

    const both = await runCli(['status', out, '--format', 'prometheus', '--json'], { cwd: work });
    expect(both.exitCode).toBe(2);
    expect(errorReport(both.stderr).message).toBe('--format prometheus and --json both say what to print');
  });

  itWithPromtool('a database with a hostile name: its label value is escaped in the textfile and in status, and reads back as the name', async () => {
    const name = `me"tr\\ics {x="1"} ü ${Date.now().toString(36)}`;
    const quoted = `"${name.replace(/"/g, '""')}"`;
    await query(cluster, 'postgres', `CREATE DATABASE ${quoted}`);
    try {
      const work = await dirs.make('pgbak-metrics-');
      const out = path.join(work, 'backups');
      const metricsDir = path.join(work, 'textfile');
      await mkdir(metricsDir);
      const env = { ...pgEnv(cluster, name), METRICS_DIR: metricsDir };
      const result = await runCli(['run', await profileFile(work, 'nightly'), '--output-dir', out], { env, cwd: work });
      expect(result.stderr).not.toMatch(/metrics (not|were not)|warn/i);
      expect(result.exitCode).toBe(0);
      const text = await readFile(path.join(metricsDir, 'pgbak.prom'), 'utf8');
      expectValidMetrics(text);
      expect(text).toContain(`database="${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
      expect(valueOf(samplesOf(text), 'pgbak_last_run_success', { profile: 'nightly', database: name })).toBe(1);

      const status = await runCli(['status', out, '--format', 'prometheus'], { cwd: work });
      expect(status.exitCode).toBe(0);
      expectValidMetrics(`${status.stdout}\n`);
      expect(valueOf(samplesOf(status.stdout), 'pgbak_backups', { profile: 'nightly', database: name })).toBe(1);
    } finally {
      await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    }
  });

  it('a profile with a Pushgateway: the run POSTs its series; a gateway that is down is a warning and the run succeeds', async () => {
    const received: Array<{ method: string; url: string; body: string }> = [];
    const gateway = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    try {
      const work = await dirs.make('pgbak-metrics-');
      const file = path.join(work, 'pushed.yaml');
      await writeFile(file, ['metrics:', '  pushgateway: { url: "${PUSH_URL}", job: backups, timeoutMs: 5000 }', 'steps:', '  - kind: full', ''].join('\n'));
      const env = { ...pgEnv(cluster, database.name), PUSH_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}` };
      const ok = await runCli(['run', file, '--output-dir', path.join(work, 'backups')], { env, cwd: work });
      expect(ok.exitCode).toBe(0);
      expect(received.map((r) => [r.method, r.url])).toEqual([['POST', `/metrics/job/backups/profile/pushed/database/${database.name}/host/${encodeURIComponent(cluster.host)}`]]);
      expect(samplesOf(received[0]!.body).find((s) => s.name === 'pgbak_last_run_success')?.value).toBe(1);

      const down = await runCli(['run', file, '--output-dir', path.join(work, 'backups')], { env: { ...env, PUSH_URL: `http://127.0.0.1:${await closedPort()}` }, cwd: work });
      expect(down.exitCode).toBe(0);
      expect(down.stderr).toMatch(/metrics were not pushed to http:\/\/127\.0\.0\.1:\d+: connection refused/);
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }
  });

  it('a run refused because another run of the database holds its lock writes no metrics (that run reports)', async () => {
    const work = await dirs.make('pgbak-metrics-');
    const out = path.join(work, 'backups');
    const metricsDir = path.join(work, 'textfile');
    await mkdir(metricsDir);
    await mkdir(out);
    // This test process plays the live run holding the lock.
    await writeFile(path.join(out, lockFileName('nightly', database.name)), `${JSON.stringify({ ...(await currentOwner()), startedAt: new Date().toISOString() })}\n`);
    const env = { ...pgEnv(cluster, database.name), METRICS_DIR: metricsDir };
    const result = await runCli(['run', await profileFile(work, 'nightly'), '--output-dir', out], { env, cwd: work });
    expect(result.exitCode).toBe(1);
    expect(errorReport(result.stderr).message).toMatch(/another run of profile "nightly" .* is in progress/);
    expect(await readdir(metricsDir)).toEqual([]);
  });

  it('a textfile that cannot be written is a warning: the run still succeeds', async () => {
    const work = await dirs.make('pgbak-metrics-');
    const out = path.join(work, 'backups');
    const env = { ...pgEnv(cluster, database.name), METRICS_DIR: path.join(work, 'no-such-folder') };
    const result = await runCli(['run', await profileFile(work, 'nightly'), '--output-dir', out], { env, cwd: work });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/metrics not written to .*no-such-folder\/pgbak\.prom: the metrics folder .* does not exist/);
  });

  itWithPromtool('status s3://bucket/prefix/ --format prometheus: the bucket\'s backups as metrics', async () => {
    const work = await dirs.make('pgbak-metrics-');
    const s3Env = { ...pgEnv(cluster, database.name), ...s3ClientEnv(s3.endpoint) };
    const run = await runCli(['run', 'full', '--storage', `s3://${BUCKET}/pg/`, '--output-dir', work, '--json'], { env: s3Env, cwd: work });
    expect(run.exitCode).toBe(0);
    const summary = JSON.parse(run.stdout) as { bytes: number; startedAt: string; copies: Array<{ location: string }> };
    expect(summary.copies.map((c) => c.location)).toEqual([expect.stringMatching(new RegExp(`^s3://${BUCKET}/pg/`))]);

    const status = await runCli(['status', `s3://${BUCKET}/pg/`, '--format', 'prometheus', '--max-age', '26h'], { env: s3Env, cwd: work });
    expect(status.exitCode).toBe(0);
    // execa drops the output's final newline; promtool wants it.
    expectValidMetrics(`${status.stdout}\n`);
    const samples = samplesOf(status.stdout);
    const group = { profile: 'full', database: database.name, host: cluster.host };
    expect(valueOf(samples, 'pgbak_last_backup_size_bytes', group)).toBe(summary.bytes);
    expect(valueOf(samples, 'pgbak_backups', group)).toBe(1);
    expect(valueOf(samples, 'pgbak_stale', group)).toBe(0);
    expect(valueOf(samples, 'pgbak_last_success_timestamp_seconds', group)).toBeGreaterThan(0);
  });
});
