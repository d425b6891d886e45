// Pushgateway pushes against a tiny HTTP server on loopback that records what it got.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { groupingPath, parseExposition, recordRunMetrics, type RunOutcome } from '../../../lib/notify/metrics/index.js';
import { expectValidMetrics, itWithPromtool } from '../../support/promtool.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let received: Received[];
let answer: (req: IncomingMessage, res: ServerResponse) => void;
const sockets = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      answer(req, res);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  answer = (_req, res) => res.writeHead(200).end();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function outcome(databases: string[], ok: boolean, host = 'db1.internal'): RunOutcome {
  const startedAt = new Date('2026-12-01T01:00:00Z');
  return { profile: 'nightly', host, databases, allDatabases: false, startedAt, finishedAt: new Date('2026-12-01T01:00:30Z'), backup: ok ? { startedAt, bytes: 2048, tables: {}, verified: false } : null };
}

const reporter = () => {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => warnings.push(m), debug: () => undefined };
};

describe('Pushgateway', () => {
  itWithPromtool('POSTs each database to /metrics/job/<job>/profile/…/database/…/host/… with the run\'s series in the body', async () => {
    const report = reporter();
    await recordRunMetrics({ pushgateway: { url: `${base}/`, job: 'pg backups' } }, outcome(['app', 'weird db"\\'], true), report);
    expect(report.warnings).toEqual([]);
    expect(received.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/metrics/job/pg%20backups/profile/nightly/database/app/host/db1.internal'],
      ['POST', '/metrics/job/pg%20backups/profile/nightly/database/weird%20db%22%5C/host/db1.internal'],
    ]);
    const first = received[0]!;
    expect(first.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(first.headers.authorization).toBeUndefined();
    // The grouping key carries the labels: the body's series have none.
    expect(parseExposition(first.body, () => true).samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['pgbak_last_success_timestamp_seconds', {}, 1796086800],
      ['pgbak_last_run_success', {}, 1],
      ['pgbak_last_run_duration_seconds', {}, 30],
      ['pgbak_last_backup_size_bytes', {}, 2048],
    ]);
    expectValidMetrics(first.body);
  });

  it('a failed run pushes only what it changed (POST keeps the last success in the gateway)', async () => {
    await recordRunMetrics({ pushgateway: { url: base } }, outcome(['app'], false), reporter());
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/metrics/job/pgbak/profile/nightly/database/app/host/db1.internal');
    expect(parseExposition(received[0]!.body, () => true).samples.map((s) => s.name)).toEqual(['pgbak_last_failure_timestamp_seconds', 'pgbak_last_run_success', 'pgbak_last_run_duration_seconds']);
  });

  it('base64-encodes grouping values a path cannot carry (a Unix socket folder as host, an empty value)', async () => {
    await recordRunMetrics({ pushgateway: { url: `${base}/gw` } }, outcome(['a/b'], true, '/var/run/postgresql'), reporter());
    expect(received[0]!.path).toBe(`/gw/metrics/job/pgbak/profile/nightly/database@base64/${Buffer.from('a/b').toString('base64url')}/host@base64/${Buffer.from('/var/run/postgresql').toString('base64url')}`);
    expect(groupingPath('j', { profile: '', database: '..' })).toBe('/metrics/job/j/profile@base64/=/database@base64/Li4');
  });

  it('sends URL credentials as basic auth, never in the URL, and keeps them out of messages', async () => {
    answer = (_req, res) => res.writeHead(400).end('pushed metrics are invalid or inconsistent with existing metrics\n');
    const report = reporter();
    await recordRunMetrics({ pushgateway: { url: base.replace('http://', 'http://pusher:s3cr%40t@') } }, outcome(['app'], true), report);
    expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('pusher:s3cr@t').toString('base64')}`);
    expect(report.warnings).toEqual([`metrics were not pushed to ${base}: HTTP 400: pushed metrics are invalid or inconsistent with existing metrics (check metrics.pushgateway.url and job)`]);
    expect(report.warnings.join('\n')).not.toMatch(/s3cr|pusher/);
  });

  it('a gateway that does not answer costs at most the timeout, and is a warning', async () => {
    answer = () => undefined; // never answers
    const report = reporter();
    const started = Date.now();
    await recordRunMetrics({ pushgateway: { url: base, timeoutMs: 300 } }, outcome(['app'], true), report);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.warnings).toEqual([`metrics were not pushed to ${base}: no answer within 300 ms (check metrics.pushgateway.url and that the Pushgateway runs)`]);
  });

  it('a gateway that is not there is a warning', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const report = reporter();
    await recordRunMetrics({ pushgateway: { url: `http://127.0.0.1:${port}` } }, outcome(['app'], true), report);
    expect(report.warnings).toEqual([`metrics were not pushed to http://127.0.0.1:${port}: connection refused (check metrics.pushgateway.url and that the Pushgateway runs)`]);
  });
});
