// A real S3-protocol server on loopback for tests (s3rver, files in a temp dir), and a
// fault-injecting HTTP proxy to put in front of it (errors on chosen requests, an empty
// 204 where s3rver cannot answer, delays).
// What s3rver 3.7 does not do, so what tests against it alone do not prove:
// - AbortMultipartUpload: DELETE ?uploadId answers 405 MethodNotAllowed (tests see the
//   request sent, and make the proxy answer 204 to test the path where it works);
// - ListMultipartUploads: GET ?uploads answers 501 NotImplemented, so no test can list
//   incomplete uploads; that the parts are really dropped is not proven here;
// - SigV4 signatures are not checked (any secret passes), so neither are credentials;
// - GetObject ignores If-Match: an object replaced between a HEAD and a ranged GET is not
//   refused (tests make the proxy answer 412 PreconditionFailed, as S3 does);
// - its list of storage classes is older than AWS's: GLACIER_IR is refused (InvalidStorageClass)
//   when the upload completes; STANDARD_IA and ONEZONE_IA pass. SSE headers are accepted, not applied;
// - it never checks the 5 MiB minimum part size or the parts listed in CompleteMultipartUpload
//   (it has no code that raises EntityTooSmall or InvalidPart);
// - ListObjectsV2 past the first page: its continuation tokens are DES-encrypted, which
//   Node's OpenSSL 3 refuses (InternalError on page 2); tests list with ListObjects v1
//   (Marker), and v2 paging is tested with a stub client (tests/unit/storage/s3-repository.test.ts);
// - DeleteObjects never reports a per-key error (same stub test).
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lib/storage/s3/index.js';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  httpServer: Server;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface S3TestServer {
  endpoint: string;
  client(options?: { endpoint?: string; maxAttempts?: number }): S3Client;
  stop(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with the given buckets; `stop()` closes it and every client made, and removes its files. */
export async function startS3Server(buckets: string[]): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'pgbak-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client: (options = {}) => {
      const client = createS3Client({
        region: 'us-east-1',
        endpoint: options.endpoint ?? endpoint,
        ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      server.httpServer.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface FaultRule {
  /** Which requests it hits, e.g. an UploadPart: `(req) => req.method === 'PUT' && /partNumber=/.test(req.url)`. */
  match: (req: IncomingMessage) => boolean;
  /** How many matching requests fail; Infinity for all. */
  times: number;
  status: number;
  /** The S3 error code in the XML body, e.g. SlowDown; absent: an empty success (a 204 that pretends an AbortMultipartUpload worked). */
  code?: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests that went through: method and URL, status, and whether the proxy made the answer up. */
  log: {
    method: string;
    url: string;
    status: number;
    injected: boolean;
    range?: string;
    /** Body bytes the proxy passed back (counted as they go). */
    bytes: number;
    /** The request's headers as the client sent them (x-amz-storage-class, content-length…). */
    headers: IncomingHttpHeaders;
  }[];
  stop(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 that forwards to `target` except for requests a rule answers with an S3 error. */
export async function startFaultProxy(
  target: string,
  rules: FaultRule[],
  options: {
    /** Milliseconds to hold a forwarded request back (a slow store). */
    delay?: (req: IncomingMessage) => number;
    /** Changes the headers of a forwarded answer (a store that reports another size). */
    answerHeaders?: (req: IncomingMessage, headers: OutgoingHttpHeaders) => OutgoingHttpHeaders;
  } = {},
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const log: FaultProxy['log'] = [];
  // Its own agent, so that stop() can close the connections it keeps to the server.
  const agent = new Agent({ keepAlive: false });
  const remaining = rules.map((rule) => rule.times);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const index = rules.findIndex((rule, i) => remaining[i]! > 0 && rule.match(req));
    if (index >= 0) {
      remaining[index]!--;
      const rule = rules[index]!;
      log.push({ method: req.method!, url: req.url!, status: rule.status, injected: true, bytes: 0, headers: req.headers });
      // Read the request body first, as a real server does before answering.
      req.resume();
      req.once('end', () => {
        if (rule.code === undefined) {
          res.writeHead(rule.status);
          res.end();
          return;
        }
        const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${rule.code}</Code><Message>injected by the test proxy</Message></Error>`;
        res.writeHead(rule.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const delay = options.delay?.(req) ?? 0;
    if (delay > 0) req.pause();
    const forward = () => forwardTo(req, res);
    if (delay > 0) setTimeout(forward, delay);
    else forward();
  });
  const forwardTo = (req: IncomingMessage, res: ServerResponse) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const entry: FaultProxy['log'][number] = { method: req.method!, url: req.url!, status: answer.statusCode!, injected: false, bytes: 0, headers: req.headers };
        if (req.headers.range !== undefined) entry.range = req.headers.range;
        log.push(entry);
        res.writeHead(answer.statusCode!, options.answerHeaders ? options.answerHeaders(req, { ...answer.headers }) : answer.headers);
        // Counted as the client takes them: a 'data' listener on `answer` would drain it regardless.
        const counter = new Transform({ transform: (chunk: Buffer, _encoding, done) => { entry.bytes += chunk.length; done(null, chunk); } });
        answer.pipe(counter).pipe(res);
        res.once('close', () => answer.destroy());
      },
    );
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    stop: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
