// Alerts from real runs: the profile's notify: targets are real HTTP and SMTP
// servers on loopback. A run's result never depends on them; tokens never show.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../support/db.js';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/notify-receivers.js';
import { fakePgBin, readRunLogs, tempDirs, waitForPid } from './failures/helpers.js';

const cluster = getCluster(15);
const dirs = tempDirs();
const TOKEN = 'Zq9-s3cr3t-T0KEN-8f2c1d';
let db: TestDatabase;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  db = await createTestDatabase(cluster, 'alerts');
  await query(cluster, db.name, 'CREATE TABLE public.items (id int PRIMARY KEY, name text); INSERT INTO public.items SELECT g, md5(g::text) FROM generate_series(1, 100) g');
});
afterAll(async () => {
  await db.drop();
  await dirs.removeAll();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function http(...args: Parameters<typeof startHttpReceiver>): Promise<HttpReceiver> {
  const server = await startHttpReceiver(...args);
  closers.push(() => server.close());
  return server;
}

async function smtp(): Promise<SmtpReceiver> {
  const server = await startSmtpReceiver({ starttls: false });
  closers.push(() => server.close());
  return server;
}

/** A profiles folder holding `<name>.yaml` with the given text. */
async function profile(name: string, text: string): Promise<string> {
  const dir = await dirs.make('pgbak-alerts-profiles-');
  await writeFile(path.join(dir, `${name}.yaml`), text);
  return dir;
}

function everyOutput(result: { stdout: string; stderr: string }, logs: Array<{ text: string }>): string {
  return [result.stdout, result.stderr, ...logs.map((log) => log.text)].join('\n');
}

interface JsonBody {
  event: string;
  ok: boolean;
  profile: string;
  host: string;
  databases: string[];
  error?: { code: string; exitCode: number; message: string };
  archive: string | null;
  locations: string[];
  bytes: number | null;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
  pgbak: { version: string };
}

describe('alerts at the end of a run', () => {
  it('a successful run posts the JSON webhook, pings /start then the URL with one run id, and lists the outcomes in --json with the token redacted', async () => {
    const hooks = await http();
    const out = await dirs.make();
    const profiles = await profile(
      'alerted',
      [
        'notify:',
        '  - webhook: { url: "${HOOK_URL}", on: [success, failure] }',
        '  - webhook: { url: "${HOOK_URL}-failures-only" }',
        '  - ping: { url: "${PING_URL}" }',
        'steps:',
        '  - kind: full',
        '',
      ].join('\n'),
    );
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/hook/${TOKEN}`, PING_URL: `${hooks.url}/ping/${TOKEN}` };

    const result = await runCli(['run', 'alerted', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env });

    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { archive: string; bytes: number; notifications: Array<{ kind: string; target: string; event: string; ok: boolean }> };
    expect(summary.notifications).toEqual([
      { kind: 'ping', target: `${hooks.url}/ping/***`, event: 'start', ok: true, attempts: 1 },
      { kind: 'webhook', target: `${hooks.url}/hook/***`, event: 'success', ok: true, attempts: 1 },
      { kind: 'ping', target: `${hooks.url}/ping/***`, event: 'success', ok: true, attempts: 1 },
    ]);
    const paths = hooks.requests.map((request) => request.url.replace(TOKEN, 'TOKEN'));
    const rid = /rid=([0-9a-f-]+)/.exec(paths[0]!)![1];
    expect(paths.sort()).toEqual([`/hook/TOKEN`, `/ping/TOKEN/start?rid=${rid}`, `/ping/TOKEN?rid=${rid}`].sort());
    const start = hooks.requests.find((request) => request.url.includes('/start'))!;
    const end = hooks.requests.find((request) => request.url.startsWith(`/ping/${TOKEN}?`))!;
    expect(start.at).toBeLessThanOrEqual(end.at);
    const body = JSON.parse(hooks.requests.find((request) => request.url.startsWith('/hook/'))!.body) as JsonBody;
    expect(body).toMatchObject({ event: 'success', ok: true, profile: 'alerted', databases: [db.name], archive: summary.archive, locations: [summary.archive], bytes: summary.bytes });
    expect(body.pgbak.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.durationMs).toBeGreaterThan(0);
    expect(Date.parse(body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(body.startedAt));
    expect(end.body.split('\n')[0]).toMatch(/^pgbak: backup ok: profile alerted on /);
    const logs = await readRunLogs(out);
    expect(logs[0]!.text).toContain(`notified webhook ${hooks.url}/hook/*** (success)`);
    expect(everyOutput(result, logs)).not.toContain(TOKEN);
  });

  it('a run whose table does not exist (exit 2) sends the failure with its error code to the webhook, the ping\'s /fail and e-mail', async () => {
    const hooks = await http();
    const mail = await smtp();
    const out = await dirs.make();
    const profiles = await profile(
      'missing',
      [
        'notify:',
        '  - webhook: { url: "${HOOK_URL}", format: slack }',
        '  - ping: { url: "${PING_URL}" }',
        `  - email: { smtp: "smtp://127.0.0.1:${mail.port}", from: pgbak@example.com, to: [dba@example.com] }`,
        'steps:',
        '  - kind: tables',
        '    tables: [public.no_such_table]',
        '',
      ].join('\n'),
    );
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/services/${TOKEN}`, PING_URL: `${hooks.url}/ping/${TOKEN}` };

    const result = await runCli(['run', 'missing', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env });

    expect(result.exitCode).toBe(2);
    const json = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; error: { code: string }; details: { notifications: Array<{ kind: string; event: string; ok: boolean }> } };
    expect(json).toMatchObject({ ok: false, exitCode: 2, error: { code: 'CONFIG_INVALID' } });
    expect(json.details.notifications.map((n) => [n.kind, n.event, n.ok])).toEqual([
      ['ping', 'start', true],
      ['webhook', 'failure', true],
      ['ping', 'failure', true],
      ['email', 'failure', true],
    ]);
    const slack = JSON.parse(hooks.requests.find((request) => request.url.startsWith('/services/'))!.body) as { text: string };
    expect(slack.text).toMatch(/^pgbak: backup FAILED: profile missing on .* \(CONFIG_INVALID\)$/);
    const fail = hooks.requests.find((request) => /^\/ping\/[^/]+\/fail\?rid=/.test(request.url))!;
    expect(fail.body).toContain('CONFIG_INVALID (exit 2): ');
    expect(fail.body).toContain('no matching tables were found');
    expect(mail.mails).toHaveLength(1);
    expect(mail.mails[0]!.raw).toContain('Subject: [pgbak] backup FAILED: profile missing on');
    expect(everyOutput(result, await readRunLogs(out))).not.toContain(TOKEN);
  });

  it('a killed pg_dump (exit 1) sends STEP_FAILED, and success is not sent to on: [failure] targets', async () => {
    const hooks = await http();
    const out = await dirs.make();
    const profiles = await profile('killed', ['notify:', '  - webhook: { url: "${HOOK_URL}" }', 'steps:', '  - kind: schema-only', ''].join('\n'));
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/hook/${TOKEN}`, PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'die' };

    const result = await runCli(['run', 'killed', '--profiles-dir', profiles, '--output-dir', out], { env });

    expect(result.exitCode).toBe(1);
    expect(hooks.requests).toHaveLength(1);
    const body = JSON.parse(hooks.requests[0]!.body) as JsonBody;
    expect(body).toMatchObject({ event: 'failure', ok: false, profile: 'killed', databases: [db.name], archive: null, error: { code: 'STEP_FAILED', exitCode: 1 } });
    expect(body.error!.message).toMatch(/pg_dump/);

    const ok = await runCli(['run', 'killed', '--profiles-dir', profiles, '--output-dir', out], { env: { ...env, FAKE_PG_DUMP_MODE: 'ok' } });
    expect(ok.exitCode).toBe(0);
    expect(hooks.requests).toHaveLength(1);
  });

  it('a run stopped by SIGTERM (exit 143) still sends its failure, as INTERRUPTED', async () => {
    const hooks = await http();
    const out = await dirs.make();
    const pidFile = path.join(out, 'pg_dump.pid');
    const profiles = await profile('stopped', ['notify:', '  - webhook: { url: "${HOOK_URL}" }', 'steps:', '  - kind: schema-only', ''].join('\n'));
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/hook/${TOKEN}`, PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'hang', FAKE_PG_DUMP_PIDFILE: pidFile };

    const run = startCli(['run', 'stopped', '--profiles-dir', profiles, '--output-dir', out], { env, timeout: 60_000 });
    await waitForPid(pidFile);
    run.kill('SIGTERM');
    const result = await run;

    expect(result.exitCode).toBe(143);
    expect(hooks.requests).toHaveLength(1);
    const body = JSON.parse(hooks.requests[0]!.body) as JsonBody;
    expect(body).toMatchObject({ event: 'failure', ok: false, error: { code: 'INTERRUPTED' } });
  });

  it('an endpoint that never answers holds the run no longer than the deadline: exit 0, a warning on stderr and in the run log', async () => {
    const hung = await http(() => 'hang');
    const out = await dirs.make();
    const profiles = await profile('hung', ['notify:', '  - webhook: { url: "${HOOK_URL}", on: [success], timeout: 1s }', 'steps:', '  - kind: schema-only', ''].join('\n'));
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hung.url}/hook/${TOKEN}`, PGBAK_NOTIFY_DEADLINE: '2500ms' };

    const started = Date.now();
    const result = await runCli(['run', 'hung', '--profiles-dir', profiles, '--output-dir', out, '--json'], { env });

    expect(result.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    const summary = JSON.parse(result.stdout) as { ok: boolean; notifications: Array<{ ok: boolean; error: string }> };
    expect(summary.ok).toBe(true);
    expect(summary.notifications).toEqual([expect.objectContaining({ kind: 'webhook', ok: false })]);
    expect(result.stderr).toMatch(/warning: notification failed: webhook http:\/\/127\.0\.0\.1:\d+\/hook\/\*\*\* \(success\): /);
    const logs = await readRunLogs(out);
    expect(logs[0]!.text).toContain('notification failed: webhook');
    expect(everyOutput(result, logs)).not.toContain(TOKEN);
  });
});

describe('pgbak plan', () => {
  it('lists the notify targets with their events, tokens redacted', async () => {
    const profiles = await profile(
      'planned',
      ['notify:', '  - webhook: { url: "${HOOK_URL}", format: teams, on: [failure, stale] }', '  - ping: { url: "https://hc-ping.com/${TOKEN_VAR}" }', '  - email: { smtp: "smtp://relay:25", from: a@example.com, to: [dba@example.com] }', 'steps:', '  - kind: schema-only', ''].join('\n'),
    );
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `https://example.webhook.office.com/workflows/${TOKEN}`, TOKEN_VAR: TOKEN };
    const result = await runCli(['plan', 'planned', '--profiles-dir', profiles], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('notify    webhook https://example.webhook.office.com/workflows/*** (teams) on failure, stale');
    expect(result.stdout).toContain('          ping https://hc-ping.com/***: /start, then success, failure');
    expect(result.stdout).toContain('          email dba@example.com via smtp://relay:25 on failure');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });
});

describe('pgbak status --notify', () => {
  it('sends a stale alert to the profile\'s on: [stale] targets, keeps exit 3, and names the outcome in --json', async () => {
    const hooks = await http();
    const out = await dirs.make();
    const profiles = await profile(
      'watched',
      ['notify:', '  - webhook: { url: "${HOOK_URL}", on: [stale], format: discord }', '  - webhook: { url: "${HOOK_URL}/json", on: [stale] }', '  - ping: { url: "${HOOK_URL}/ping" }', 'steps:', '  - kind: schema-only', ''].join('\n'),
    );
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/hook/${TOKEN}` };
    expect((await runCli(['run', 'watched', '--profiles-dir', profiles, '--output-dir', out], { env })).exitCode).toBe(0);
    const afterRun = hooks.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const quiet = await runCli(['status', out, '--max-age', '1h', '--notify', '--profiles-dir', profiles], { env });
    expect(quiet.exitCode).toBe(0);
    expect(hooks.requests).toHaveLength(afterRun);

    const result = await runCli(['status', out, '--max-age', '1s', '--notify', '--profiles-dir', profiles, '--json'], { env });

    expect(result.exitCode).toBe(3);
    const json = JSON.parse(result.stdout) as { error: { code: string }; details: { notifications: Array<{ kind: string; event: string; ok: boolean; target: string }> } };
    expect(json.error.code).toBe('STALE_BACKUP');
    expect(json.details.notifications.map((n) => [n.kind, n.event, n.ok])).toEqual([
      ['webhook', 'stale', true],
      ['webhook', 'stale', true],
    ]);
    const sent = hooks.requests.slice(afterRun);
    expect(sent.map((request) => request.url.replace(TOKEN, 'TOKEN')).sort()).toEqual(['/hook/TOKEN', '/hook/TOKEN/json']);
    const discord = JSON.parse(sent.find((request) => !request.url.endsWith('/json'))!.body) as { content: string };
    expect(discord.content).toBe(`pgbak: STALE: profile watched in ${out}`);
    const body = JSON.parse(sent.find((request) => request.url.endsWith('/json'))!.body) as { event: string; databases: string[]; groups: Array<{ database: string; stale: boolean }>; problems: string[] };
    expect(body).toMatchObject({ event: 'stale', databases: [db.name], groups: [{ database: db.name, stale: true }] });
    expect(body.problems[0]).toMatch(new RegExp(`^STALE watched/${db.name}: newest backup`));
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('alerts on a profile whose last run failed, even before it is stale; a dead endpoint leaves the exit code alone', async () => {
    const hooks = await http();
    const out = await dirs.make();
    const profiles = await profile('flaky', ['notify:', '  - webhook: { url: "${HOOK_URL}", on: [stale] }', `  - webhook: { url: "http://127.0.0.1:9/${TOKEN}", on: [stale], timeout: 500ms }`, 'steps:', '  - kind: schema-only', ''].join('\n'));
    const env = { ...pgEnv(cluster, db.name), HOOK_URL: `${hooks.url}/hook/${TOKEN}`, PGBAK_NOTIFY_DEADLINE: '3s' };
    expect((await runCli(['run', 'flaky', '--profiles-dir', profiles, '--output-dir', out], { env })).exitCode).toBe(0);
    expect((await runCli(['run', 'flaky', '--profiles-dir', profiles, '--output-dir', out], { env: { ...env, PGBAK_PG_BIN: fakePgBin, FAKE_PG_DUMP_MODE: 'exit1' } })).exitCode).toBe(1);

    const result = await runCli(['status', out, '--notify', '--profiles-dir', profiles], { env });

    expect(result.exitCode).toBe(0);
    expect(hooks.requests).toHaveLength(1);
    const body = JSON.parse(hooks.requests[0]!.body) as { event: string; summary: string; groups: Array<{ failing: boolean; lastFailure: { reason: string } }> };
    expect(body.event).toBe('stale');
    expect(body.summary).toMatch(/last run FAILED: profile flaky/);
    expect(body.groups[0]).toMatchObject({ failing: true });
    expect(body.groups[0]!.lastFailure.reason).toMatch(/pg_dump/);
    expect(result.stderr).toMatch(/notification failed: webhook http:\/\/127\.0\.0\.1:9\/\*\*\*/);
    expect(result.stderr).not.toContain(TOKEN);
  });
});

