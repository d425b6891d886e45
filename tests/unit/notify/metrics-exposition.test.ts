import { escapeLabelValue, mergeRunMetrics, parseExposition, renderExposition, runSamples, type Exposition, type RunOutcome } from '../../../lib/notify/metrics/index.js';
import { expectValidMetrics, itWithPromtool } from '../../support/promtool.js';

const HOSTILE = ['app"; DROP DATABASE x; --', 'back\\slash', 'new\nline', 'trailing\\', 'quote"\\n"literal', 'ünïcödé 数据库', '{a="b"}', ' spaced ', '#comment'];

const empty = (): Exposition => ({ samples: [], read: new Map() });
const at = (iso: string) => new Date(iso);

function success(profile: string, databases: string[], extra: Partial<RunOutcome> = {}): RunOutcome {
  return {
    profile,
    host: 'db1.internal',
    databases,
    allDatabases: false,
    startedAt: at('2026-12-01T01:00:00Z'),
    finishedAt: at('2026-12-01T01:02:30.250Z'),
    backup: { startedAt: at('2026-12-01T01:00:01Z'), bytes: 123456, tables: Object.fromEntries(databases.map((d) => [d, 12])), verified: false },
    ...extra,
  };
}

function failure(profile: string, databases: string[], extra: Partial<RunOutcome> = {}): RunOutcome {
  return { ...success(profile, databases), startedAt: at('2026-12-02T01:00:00Z'), finishedAt: at('2026-12-02T01:00:04Z'), backup: null, ...extra };
}

// The text, then read back as pgbak reads its textfile.
const roundTrip = (exposition: Exposition) => parseExposition(renderExposition(exposition), (name) => name.startsWith('pgbak_'));

describe('metrics exposition', () => {
  it('escapes backslash, double quote and newline in label values, and reads them back unchanged', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = renderExposition({ samples: runSamples(success('nightly', HOSTILE)) });
    // One line per sample: a newline in a value never breaks a line.
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) pgbak_\w+ .+|pgbak_\w+\{profile="nightly",database=".*",host="db1\.internal"\} [\d.e+]+)$/);
    const back = parseExposition(text, () => true);
    expect(back.skipped).toBe(0);
    expect(new Set(back.samples.map((s) => s.labels.database))).toEqual(new Set(HOSTILE));
  });

  itWithPromtool('writes what promtool check metrics accepts, hostile label values included', () => {
    expectValidMetrics(renderExposition({ samples: runSamples(success('nightly', HOSTILE, { backup: { ...success('x', []).backup!, verified: true } })) }));
    expectValidMetrics(renderExposition(mergeRunMetrics(roundTrip({ samples: runSamples(success('nightly', HOSTILE)), read: new Map() }), failure('weekly"\\\n', HOSTILE))));
  });

  it('after a success: last success is the backup start, run success 1, duration, size, tables; no failure yet', () => {
    const text = renderExposition(mergeRunMetrics(empty(), success('nightly', ['app'])));
    expect(text).toBe(
      [
        '# HELP pgbak_last_success_timestamp_seconds Start of the newest successful backup run (the moment its data is from), Unix time.',
        '# TYPE pgbak_last_success_timestamp_seconds gauge',
        'pgbak_last_success_timestamp_seconds{profile="nightly",database="app",host="db1.internal"} 1796086801',
        '# HELP pgbak_last_run_success 1 when the newest run of this profile and database wrote its backup, 0 when it failed.',
        '# TYPE pgbak_last_run_success gauge',
        'pgbak_last_run_success{profile="nightly",database="app",host="db1.internal"} 1',
        '# HELP pgbak_last_run_duration_seconds How long the newest run took, successful or not.',
        '# TYPE pgbak_last_run_duration_seconds gauge',
        'pgbak_last_run_duration_seconds{profile="nightly",database="app",host="db1.internal"} 150.25',
        '# HELP pgbak_last_backup_size_bytes Size of the newest successful backup (the zip that holds this database).',
        '# TYPE pgbak_last_backup_size_bytes gauge',
        'pgbak_last_backup_size_bytes{profile="nightly",database="app",host="db1.internal"} 123456',
        '# HELP pgbak_last_backup_tables Tables of this database in the newest successful backup (absent with rowCounts: off).',
        '# TYPE pgbak_last_backup_tables gauge',
        'pgbak_last_backup_tables{profile="nightly",database="app",host="db1.internal"} 12',
        '',
      ].join('\n'),
    );
  });

  it('after a failure: the failure time is set, run success 0, and the last success, size, tables and verification are kept', () => {
    const before = roundTrip(mergeRunMetrics(empty(), success('nightly', ['app'], { backup: { ...success('nightly', ['app']).backup!, verified: true } })));
    const after = mergeRunMetrics(before, failure('nightly', ['app']));
    const values = Object.fromEntries(after.samples.map((s) => [s.name, s.value]));
    expect(values).toEqual({
      pgbak_last_success_timestamp_seconds: 1796086801,
      pgbak_last_failure_timestamp_seconds: 1796173204,
      pgbak_last_run_success: 0,
      pgbak_last_run_duration_seconds: 4,
      pgbak_last_backup_size_bytes: 123456,
      pgbak_last_backup_tables: 12,
      pgbak_last_verified_timestamp_seconds: 1796086801,
    });
    // A success after it keeps the failure's time and drops a table count it did not make.
    const again = mergeRunMetrics(roundTrip(after), success('nightly', ['app'], { startedAt: at('2026-12-03T01:00:00Z'), finishedAt: at('2026-12-03T01:00:10Z'), backup: { startedAt: at('2026-12-03T01:00:00Z'), bytes: 99, tables: {}, verified: false } }));
    expect(Object.fromEntries(again.samples.map((s) => [s.name, s.value]))).toEqual({
      pgbak_last_success_timestamp_seconds: 1796259600,
      pgbak_last_failure_timestamp_seconds: 1796173204,
      pgbak_last_run_success: 1,
      pgbak_last_run_duration_seconds: 10,
      pgbak_last_backup_size_bytes: 99,
      pgbak_last_verified_timestamp_seconds: 1796086801,
    });
  });

  it('a failure of a group never seen before writes no last success (alert on pgbak_last_run_success == 0)', () => {
    const names = mergeRunMetrics(empty(), failure('nightly', ['app'])).samples.map((s) => s.name);
    expect(names).toEqual(['pgbak_last_failure_timestamp_seconds', 'pgbak_last_run_success', 'pgbak_last_run_duration_seconds']);
  });

  it('merges: another profile, database or host keeps its series; the run replaces only its own groups', () => {
    let state = roundTrip(mergeRunMetrics(empty(), success('nightly', ['app', 'crm'])));
    state = roundTrip(mergeRunMetrics(state, success('weekly', ['app'])));
    state = roundTrip(mergeRunMetrics(state, success('nightly', ['app'], { host: 'db2.internal' })));
    state = roundTrip(mergeRunMetrics(state, failure('nightly', ['crm'])));
    const runSuccess = state.samples.filter((s) => s.name === 'pgbak_last_run_success').map((s) => `${s.labels.profile}/${s.labels.database}@${s.labels.host}=${s.value}`);
    expect(runSuccess.sort()).toEqual(['nightly/app@db1.internal=1', 'nightly/app@db2.internal=1', 'nightly/crm@db1.internal=0', 'weekly/app@db1.internal=1']);
  });

  it('a successful databases: all run removes the series of databases it no longer found; a failed one removes nothing', () => {
    const state = roundTrip(mergeRunMetrics(empty(), success('fleet', ['app', 'gone'], { allDatabases: true })));
    const failed = mergeRunMetrics(state, failure('fleet', ['postgres']));
    expect(new Set(failed.samples.map((s) => s.labels.database))).toEqual(new Set(['app', 'gone', 'postgres']));
    const next = mergeRunMetrics(state, success('fleet', ['app'], { allDatabases: true }));
    expect(new Set(next.samples.map((s) => s.labels.database))).toEqual(new Set(['app']));
  });

  it('keeps families of another pgbak version for other groups, with their HELP and TYPE; drops foreign metrics and unreadable lines', () => {
    const text = [
      '# HELP pgbak_future_thing_seconds Something newer.',
      '# TYPE pgbak_future_thing_seconds gauge',
      'pgbak_future_thing_seconds{profile="other",database="db",host="h"} 5',
      'pgbak_future_thing_seconds{profile="nightly",database="app",host="db1.internal"} 6',
      'node_load1 3',
      'pgbak_broken{profile="x" 1',
      '',
    ].join('\n');
    const read = parseExposition(text, (name) => name.startsWith('pgbak_'));
    expect(read.skipped).toBe(1);
    const merged = renderExposition(mergeRunMetrics(read, success('nightly', ['app'])));
    expect(merged).toContain('# HELP pgbak_future_thing_seconds Something newer.\n# TYPE pgbak_future_thing_seconds gauge\npgbak_future_thing_seconds{profile="other",database="db",host="h"} 5\n');
    expect(merged).not.toContain('database="app",host="db1.internal"} 6');
    expect(merged).not.toContain('node_load1');
  });
});
