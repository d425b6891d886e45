// Real endpoints on loopback for alert tests: an HTTP server that records every
// request and answers as the test scripts it (a status, a Retry-After, or never),
// and an SMTP server (smtp-server) that records messages, with STARTTLS on a
// self-signed certificate made for the test and optional authentication.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** What to answer to the n-th request (1-based): a status (and headers), or `hang` (never answer). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startHttpReceiver(answer: (request: ReceivedRequest, n: number) => Answer = () => ({ status: 200 })): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(request);
      for (const wake of waiters.splice(0)) wake();
      const reply = answer(request, requests.length);
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as sent (headers and body). */
  raw: string;
  /** Whether the session was encrypted (STARTTLS or TLS). */
  secure: boolean;
  user: string | null;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  /** PEM of the self-signed certificate the server presents (for caFile). */
  cert: string;
  /** A folder holding `ca.pem` (the certificate); removed by close(). */
  dir: string;
  close(): Promise<void>;
}

export interface SmtpReceiverOptions {
  /** Offer STARTTLS (with the self-signed certificate); default true. */
  starttls?: boolean;
  /** Require this user and password. */
  auth?: { user: string; pass: string };
  /** Refuse every message at DATA time with this SMTP code (e.g. 550). */
  refuseWith?: number;
  /** Accept the connection and never greet. */
  silent?: boolean;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
function makeCertificate(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'ca.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgbak-smtp-'));
  const { key, cert } = makeCertificate(dir);
  const mails: ReceivedMail[] = [];
  if (options.silent) {
    const { createServer: createTcpServer } = await import('node:net');
    const held = new Set<Socket>();
    const server = createTcpServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      mails,
      cert,
      dir,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          server.close(() => (rmSync(dir, { recursive: true, force: true }), resolve()));
        }),
    };
  }
  const settings: SMTPServerOptions = {
    key,
    cert,
    hideSTARTTLS: options.starttls === false,
    authOptional: options.auth === undefined,
    ...(options.auth === undefined && { disabledCommands: ['AUTH'] }),
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('invalid credentials'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (options.refuseWith) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: options.refuseWith }));
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    cert,
    dir,
    close: () => new Promise<void>((resolve) => server.close(() => (rmSync(dir, { recursive: true, force: true }), resolve()))),
  };
}
