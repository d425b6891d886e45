// Webhooks and pings against real HTTP servers on loopback: retries, what is not
// retried, timeouts and the phase's deadline, on: filters, and tokens kept out of logs.
import { PassThrough } from 'node:stream';
import { createLogger } from '../../../lib/log/index.js';
import { maskTargetSecrets, sendNotice, type NotifyTarget, type RunNotice } from '../../../lib/notify/alerts/index.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/notify-receivers.js';

const notice: RunNotice = {
  event: 'failure',
  ok: false,
  profile: 'nightly',
  host: 'db1',
  server: 'pg:5432',
  databases: ['app'],
  error: { code: 'STEP_FAILED', exitCode: 1, message: 'pg_dump exited with code 1' },
  archive: null,
  locations: [],
  log: null,
  bytes: null,
  durationMs: 10,
  startedAt: '2026-12-05T01:00:00.000Z',
  finishedAt: '2026-12-05T01:00:00.010Z',
  version: '0.1.0',
};

const TOKEN = 'T0KEN-5ecret-abcdef0123456789';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ level: 'normal', stderr: stream });
  return { logger, text: () => text };
}

function webhook(url: string, extra: Partial<Extract<NotifyTarget, { kind: 'webhook' }>> = {}): NotifyTarget {
  return { kind: 'webhook', url, format: 'json', headers: {}, on: ['failure'], timeoutMs: 2000, display: 'http://127.0.0.1/***', ...extra };
}

const receivers: HttpReceiver[] = [];
async function receiver(...args: Parameters<typeof startHttpReceiver>): Promise<HttpReceiver> {
  const started = await startHttpReceiver(...args);
  receivers.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('sending a webhook', () => {
  it('retries a 500 and succeeds on the 200 that follows, after a backoff', async () => {
    const server = await receiver((_, n) => (n === 1 ? { status: 500, body: 'oops' } : { status: 200 }));
    const { logger, text } = capture();
    const [outcome] = await sendNotice([webhook(`${server.url}/hook/${TOKEN}`)], notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toEqual({ kind: 'webhook', target: 'http://127.0.0.1/***', event: 'failure', ok: true, attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(server.requests[1]!.body)).toMatchObject({ event: 'failure', error: { code: 'STEP_FAILED' } });
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(text()).toContain('notified webhook http://127.0.0.1/*** (failure)');
  });

  it('does not retry a 400, and says what the server answered in a warning', async () => {
    const server = await receiver(() => ({ status: 400, body: 'invalid_payload' }));
    const { logger, text } = capture();
    const [outcome] = await sendNotice([webhook(`${server.url}/hook`)], notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: false, attempts: 1, error: 'HTTP 400 Bad Request: invalid_payload' });
    expect(server.requests).toHaveLength(1);
    expect(text()).toContain('warn');
    expect(text()).toContain('notification failed: webhook http://127.0.0.1/*** (failure): HTTP 400 Bad Request: invalid_payload');
  });

  it('honours a 429 Retry-After, and gives up after three attempts of 5xx', async () => {
    const limited = await receiver((_, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 }));
    const down = await receiver(() => ({ status: 503 }));
    const { logger } = capture();
    const [first, second] = await sendNotice([webhook(`${limited.url}/a`), webhook(`${down.url}/b`)], notice, { logger, deadlineMs: 20_000 });
    expect(first).toMatchObject({ ok: true, attempts: 2 });
    expect(limited.requests[1]!.at - limited.requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(second).toMatchObject({ ok: false, attempts: 3, error: 'HTTP 503 Service Unavailable' });
    expect(down.requests).toHaveLength(3);
  });

  it('gives up on an endpoint that never answers once the phase deadline passes', async () => {
    const server = await receiver(() => 'hang');
    const { logger, text } = capture();
    const started = Date.now();
    const [outcome] = await sendNotice([webhook(`${server.url}/hook`, { timeoutMs: 5000 })], notice, { logger, deadlineMs: 1500 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(outcome).toMatchObject({ ok: false, error: 'the notification deadline passed' });
    expect(text()).toContain('notification failed');
  });

  it('times an attempt out and retries it while the deadline allows', async () => {
    const server = await receiver((_, n) => (n === 1 ? 'hang' : { status: 200 }));
    const { logger } = capture();
    const [outcome] = await sendNotice([webhook(`${server.url}/hook`, { timeoutMs: 500 })], notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
  });

  it('sends only the events a target asks for (success is not sent with the default on: [failure])', async () => {
    const server = await receiver();
    const { logger } = capture();
    const success: RunNotice = { ...notice, event: 'success', ok: true };
    delete success.error;
    const outcomes = await sendNotice([webhook(`${server.url}/f`), webhook(`${server.url}/s`, { on: ['success'] })], success, { logger, deadlineMs: 5000 });
    expect(outcomes).toHaveLength(1);
    expect(server.requests.map((r) => r.url)).toEqual(['/s']);
  });

  it('passes headers, and keeps the token out of every log line even when an error quotes the URL', async () => {
    const server = await receiver(() => ({ status: 401, body: `bad token in /hook/${TOKEN}, Bearer xyz-header-secret, application/json` }));
    const { logger, text } = capture();
    const target = webhook(`${server.url}/hook/${TOKEN}`, { headers: { authorization: 'Bearer xyz-header-secret', accept: 'application/json' } });
    maskTargetSecrets([target], logger);
    await sendNotice([target], notice, { logger, deadlineMs: 5000 });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer xyz-header-secret');
    expect(text()).toContain('HTTP 401');
    expect(text()).toContain('application/json');
    expect(text()).not.toContain(TOKEN);
    expect(text()).not.toContain('xyz-header-secret');
  });

  it('reports a refused connection as a warning, after retrying it', async () => {
    const server = await receiver();
    const url = server.url;
    await server.close();
    const { logger } = capture();
    const [outcome] = await sendNotice([webhook(`${url}/hook`)], notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: false, attempts: 3 });
    expect(outcome!.error).toContain('ECONNREFUSED');
  });
});

describe('pings', () => {
  it('POST the text summary to <url>/fail on failure and <url> on success, with the run id; never for stale', async () => {
    const server = await receiver();
    const { logger } = capture();
    const ping: NotifyTarget = { kind: 'ping', url: `${server.url}/ping/uuid-1`, on: ['success', 'failure'], timeoutMs: 2000, display: 'p' };
    await sendNotice([ping], notice, { logger, deadlineMs: 5000, runId: 'r-1' });
    const success: RunNotice = { ...notice, event: 'success', ok: true };
    await sendNotice([ping], success, { logger, deadlineMs: 5000, runId: 'r-1' });
    const stale = await sendNotice([ping], { ...notice, event: 'stale' } as never, { logger, deadlineMs: 5000 });
    expect(stale).toEqual([]);
    expect(server.requests.map((r) => r.url)).toEqual(['/ping/uuid-1/fail?rid=r-1', '/ping/uuid-1?rid=r-1']);
    expect(server.requests[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(server.requests[0]!.body.split('\n')[0]).toBe('pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)');
  });
});
