// `status --format prometheus` as the library renders it, over a folder of real zips
// (written by pgbak's own writer, manifests dated in the past) and failed-run logs.
import { parseProfile } from '../../../lib/config/load-profile.js';
import { PgbakError } from '../../../lib/errors.js';
import { parseExposition, statusMetrics } from '../../../lib/notify/metrics/index.js';
import { backupStatus } from '../../../lib/retention/status.js';
import { deadOwner, useBackupDir, writeFakeBackup, writeRunLog } from '../retention/fake-backups.js';
import { expectValidMetrics, itWithPromtool } from '../../support/promtool.js';

const dir = useBackupDir();
const now = new Date('2024-03-01T12:00:00Z');
const HOUR = 3_600_000;
const unix = (iso: string) => Date.parse(iso) / 1000;

function values(text: string): Record<string, number> {
  return Object.fromEntries(parseExposition(text, () => true).samples.map((s) => [`${s.name}{${s.labels.profile}/${s.labels.database}${s.labels.host ? `@${s.labels.host}` : ''}}`, s.value]));
}

describe('status metrics', () => {
  beforeEach(async () => {
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-02-28T01:00:00Z', verified: true });
    await writeFakeBackup(dir(), { profile: 'nightly', database: 'app', startedAt: '2024-03-01T01:00:00Z', verified: false });
    await writeFakeBackup(dir(), { profile: 'weekly', database: 'app"\\\nx', startedAt: '2024-02-20T01:00:00Z' });
    await writeRunLog(dir(), { profile: 'nightly', databases: ['crm'], startedAt: '2024-03-01T02:00:00Z', failure: 'connection refused', owner: await deadOwner() });
  });

  itWithPromtool('per profile and database: last success, failure, verified, size, age and count; stale and max age with --max-age', async () => {
    const report = await backupStatus({ outputDir: dir(), now, maxAgeMs: 26 * HOUR });
    const text = statusMetrics(report);
    expectValidMetrics(text);
    const size = report.groups.find((g) => g.profile === 'nightly' && g.database === 'app')!.lastSuccess!.bytes;
    expect(size).toBeGreaterThan(0);
    expect(values(text)).toEqual({
      'pgbak_last_success_timestamp_seconds{nightly/app@db.internal}': unix('2024-03-01T01:00:00Z'),
      'pgbak_last_success_timestamp_seconds{weekly/app"\\\nx@db.internal}': unix('2024-02-20T01:00:00Z'),
      'pgbak_last_failure_timestamp_seconds{nightly/crm}': unix('2024-03-01T02:00:30Z'),
      'pgbak_last_run_success{nightly/app@db.internal}': 1,
      'pgbak_last_run_success{nightly/crm}': 0,
      'pgbak_last_run_success{weekly/app"\\\nx@db.internal}': 1,
      'pgbak_last_backup_size_bytes{nightly/app@db.internal}': size,
      // The size trend: the backup before the newest, and whether the newest shrank below half of it.
      'pgbak_previous_backup_size_bytes{nightly/app@db.internal}': report.groups.find((g) => g.profile === 'nightly' && g.database === 'app')!.previousBytes,
      'pgbak_backup_shrunk{nightly/app@db.internal}': 0,
      'pgbak_last_backup_size_bytes{weekly/app"\\\nx@db.internal}': expect.any(Number),
      'pgbak_last_verified_timestamp_seconds{nightly/app@db.internal}': unix('2024-02-28T01:00:00Z'),
      'pgbak_backups{nightly/app@db.internal}': 2,
      'pgbak_backups{nightly/crm}': 0,
      'pgbak_backups{weekly/app"\\\nx@db.internal}': 1,
      'pgbak_last_success_age_seconds{nightly/app@db.internal}': 11 * 3600,
      'pgbak_last_success_age_seconds{weekly/app"\\\nx@db.internal}': (10 * 24 + 11) * 3600,
      'pgbak_stale{nightly/app@db.internal}': 0,
      'pgbak_stale{nightly/crm}': 1,
      'pgbak_stale{weekly/app"\\\nx@db.internal}': 1,
      'pgbak_max_age_seconds{nightly/app@db.internal}': 26 * 3600,
      'pgbak_max_age_seconds{nightly/crm}': 26 * 3600,
      'pgbak_max_age_seconds{weekly/app"\\\nx@db.internal}': 26 * 3600,
    });
  });

  itWithPromtool('without --max-age there is no stale or max age series; an empty folder is empty text', async () => {
    const text = statusMetrics(await backupStatus({ outputDir: dir(), now }));
    expectValidMetrics(text);
    expect(text).not.toMatch(/pgbak_stale|pgbak_max_age_seconds/);
    expect(statusMetrics({ groups: [], maxAgeMs: null })).toBe('');
  });
});

describe('profile metrics:', () => {
  const parse = (metrics: string) => parseProfile(`metrics: ${metrics}\nsteps:\n  - kind: full\n`, '/p/nightly.yaml', { DIR: '/var/lib/node_exporter/textfile' });
  const problem = (metrics: string) => {
    try {
      parse(metrics);
    } catch (error) {
      expect(error).toBeInstanceOf(PgbakError);
      return (error as PgbakError).message;
    }
    throw new Error('expected an error');
  };

  it('takes a textfile and a Pushgateway, ${VAR} expanded', () => {
    expect(parse('{ textfile: "${DIR}/pgbak.prom", pushgateway: { url: "http://pushgateway:9091", job: backups, timeoutMs: "5000" } }').metrics).toEqual({
      textfile: '/var/lib/node_exporter/textfile/pgbak.prom',
      pushgateway: { url: 'http://pushgateway:9091', job: 'backups', timeoutMs: 5000 },
    });
  });

  it('refuses, at load, a relative textfile, one node_exporter would not read, an empty section and a bad URL', () => {
    expect(problem('{ textfile: pgbak.prom }')).toMatch(/metrics\.textfile.*an absolute path/s);
    expect(problem('{ textfile: /var/lib/node_exporter/textfile/pgbak.txt }')).toMatch(/metrics\.textfile.*ending in \.prom/s);
    expect(problem('{ textfile: /var/lib/node_exporter/textfile/.pgbak.prom }')).toMatch(/not starting with "\."/);
    expect(problem('{}')).toMatch(/metrics needs textfile/);
    expect(problem('{ pushgateway: { url: "ftp://gw" } }')).toMatch(/metrics\.pushgateway\.url.*http/s);
    expect(problem('{ textfile: /x/pgbak.prom, mode: 0644 }')).toMatch(/metrics.*mode/s);
  });
});
