// A real S3-protocol server on loopback for tests (s3rver, files in a temp dir), and a
// fault-injecting HTTP proxy to put in front of it (errors on chosen requests, dropped
// connections, requests left unanswered, delays, and the multipart calls s3rver lacks).
//
// What s3rver 3.7 does not do, and how the tests make up for it:
// - AbortMultipartUpload: DELETE ?uploadId answers 405 MethodNotAllowed and drops nothing.
//   A proxy started with `{ store: server }` answers it as S3 does, on s3rver's own files:
//   it deletes the upload's folder (`<directory>/<bucket>/._S3rver_uploads/<uploadId>/`,
//   where s3rver keeps an incomplete upload's parts) and answers 204, or 404 NoSuchUpload
//   for an id it does not hold. Without `store`, the 405 goes through (tests of the path
//   where the abort itself fails).
// - ListMultipartUploads: GET ?uploads answers 501 NotImplemented. The `store` proxy
//   answers it from the same folders (key, upload id, the prefix honoured), so a test can
//   ask with the SDK's ListMultipartUploadsCommand, as against a real store;
//   `incompleteUploads()` reads the folders directly.
//   What that proves: s3rver writes every part it accepted into that folder and removes
//   the folder only on CompleteMultipartUpload, so an empty listing after a failed run
//   means every upload begun was completed or aborted by pgbak (an AbortMultipartUpload
//   that reached the store after the upload's last part: a part stored after the abort
//   would re-create the folder and show up). The proxy's `log` (every request, with its
//   upload id) and `multipartLedger()` show that an upload was begun and parts stored,
//   so a test cannot pass by never starting one.
//   What it does not prove: that a real store frees the parts on abort (S3 documents
//   that parts in flight during an abort may survive it, hence the lifecycle rule).
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
// - ListObjects with Delimiter "/" never reports CommonPrefixes for keys in deeper "folders"
//   (its walk skips the very directories it would report). A proxy started with
//   `{ store: server }` adds them to s3rver's answer from its files (status over a fleet's
//   `pg/{host}/{database}/` prefixes); the objects listed are s3rver's own.
// Faults: a rule answers a chosen request with an S3 error (503 SlowDown on part N…), an
// empty status, drops the connection halfway through the request body (`fault: 'reset'`:
// the socket is destroyed, as a load balancer or a NAT dropping it would), or reads the
// request and never answers (`fault: 'stall'`: a hung store, for the client's timeouts), or
// lets s3rver do the request and drops the connection instead of answering
// (`fault: 'lose-answer'`: a request that took effect, its answer lost).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
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
  /** s3rver's files: a bucket is a folder, an incomplete multipart upload `<bucket>/._S3rver_uploads/<uploadId>/`. */
  directory: string;
  client(options?: { endpoint?: string; maxAttempts?: number; idleTimeoutMs?: number }): S3Client;
  /**
   * Multipart uploads begun in `bucket` and neither completed nor aborted (with a `store`
   * proxy), read from s3rver's files: key, upload id and the numbers of the parts stored.
   */
  incompleteUploads(bucket: string): Promise<IncompleteUpload[]>;
  stop(): Promise<void>;
}

export interface IncompleteUpload {
  key: string;
  uploadId: string;
  parts: number[];
}

// Where s3rver's FilesystemStore keeps a bucket's incomplete uploads (getResourcePath(bucket, '', 'uploads')).
const uploadsFolder = (directory: string, bucket: string) => join(directory, bucket, '._S3rver_uploads');

async function readIncompleteUploads(directory: string, bucket: string): Promise<IncompleteUpload[]> {
  const folder = uploadsFolder(directory, bucket);
  let ids: string[];
  try {
    ids = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const uploads: IncompleteUpload[] = [];
  for (const uploadId of ids.sort()) {
    const files = await readdir(join(folder, uploadId));
    // A part stored after the abort re-creates the folder without its `key` file: still an incomplete upload.
    const key = files.includes('key') ? await readFile(join(folder, uploadId, 'key'), 'utf8') : '(unknown: parts without a key file)';
    const parts = files.filter((file) => /^\d+$/.test(file)).map(Number).sort((a, b) => a - b);
    uploads.push({ key, uploadId, parts });
  }
  return uploads;
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
    directory,
    incompleteUploads: (bucket) => readIncompleteUploads(directory, bucket),
    client: (options = {}) => {
      const client = createS3Client({
        region: 'us-east-1',
        endpoint: options.endpoint ?? endpoint,
        ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
        ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
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
  /** The HTTP status answered (not used with a `fault`). */
  status?: number;
  /** The S3 error code in the XML body, e.g. SlowDown; absent: an empty success (a 204 that pretends an AbortMultipartUpload worked). */
  code?: string;
  /**
   * Instead of an answer: `reset` destroys the connection once half the request body
   * (by its Content-Length) has come in; `stall` reads the whole request and never answers;
   * `lose-answer` forwards the request, lets s3rver do it, and drops the connection instead
   * of passing the answer on (the request took effect, the client cannot know).
   */
  fault?: 'reset' | 'stall' | 'lose-answer';
}

export interface FaultLogEntry {
  method: string;
  url: string;
  /** The status answered; 0 when the proxy dropped the connection or never answered. */
  status: number;
  /** Whether the proxy made the answer up (a rule, or the `store` emulation) rather than s3rver. */
  injected: boolean;
  /** What the proxy did instead of answering. */
  fault?: 'reset' | 'stall' | 'lose-answer';
  range?: string;
  /** The multipart upload the request belongs to: from its query, or from CreateMultipartUpload's answer. */
  uploadId?: string;
  /** Body bytes the proxy passed back (counted as they go). */
  bytes: number;
  /** The request's headers as the client sent them (x-amz-storage-class, content-length…). */
  headers: IncomingHttpHeaders;
  /** Which of the client's connections to the proxy the request came on: 1, 2… in the order they were opened. */
  connection: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Requests that went through: method and URL, status, and whether the proxy made the answer up. */
  log: FaultLogEntry[];
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Milliseconds to hold a forwarded request back (a slow store). */
  delay?: (req: IncomingMessage) => number;
  /** Answer AbortMultipartUpload and ListMultipartUploads as S3 does, on this s3rver's files (see the header). */
  store?: S3TestServer;
  /** Changes the headers of a forwarded answer (a store that reports another size). */
  answerHeaders?: (req: IncomingMessage, headers: OutgoingHttpHeaders) => OutgoingHttpHeaders;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP: an endpoint as real stores have, in front of s3rver's plain HTTP. */
  tls?: { key: string; cert: string };
}

/** An HTTP proxy on 127.0.0.1 that forwards to `target` except for requests a rule answers with an S3 error. */
export async function startFaultProxy(target: string, rules: FaultRule[], options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const log: FaultProxy['log'] = [];
  // Its own agent, so that stop() can close the connections it keeps to the server.
  const agent = new Agent({ keepAlive: false });
  const remaining = rules.map((rule) => rule.times);
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const index = rules.findIndex((rule, i) => remaining[i]! > 0 && rule.match(req));
    if (index >= 0) {
      remaining[index]!--;
      if (rules[index]!.fault === 'lose-answer') forwardTo(req, res, true);
      else injectFault(rules[index]!, req, res);
      return;
    }
    if (options.store !== undefined && emulateMultipart(options.store, req, res)) return;
    if (options.store !== undefined && listWithPrefixes(options.store, req, res)) return;
    const delay = options.delay?.(req) ?? 0;
    if (delay > 0) req.pause();
    const forward = () => forwardTo(req, res);
    if (delay > 0) setTimeout(forward, delay);
    else forward();
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, serve) : createServer(serve);
  const connections = new WeakMap<object, number>();
  let opened = 0;
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: object) => connections.set(socket, ++opened));
  const connectionOf = (req: IncomingMessage) => connections.get(req.socket) ?? 0;

  const injectFault = (rule: FaultRule, req: IncomingMessage, res: ServerResponse) => {
    const entry: FaultLogEntry = { method: req.method!, url: req.url!, status: rule.fault ? 0 : (rule.status ?? 500), injected: true, bytes: 0, headers: req.headers, connection: connectionOf(req), ...withUploadId(req.url!) };
    if (rule.fault) entry.fault = rule.fault;
    log.push(entry);
    if (rule.fault === 'reset') {
      const half = Number(req.headers['content-length'] ?? 0) / 2;
      let got = 0;
      req.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= half) req.socket.destroy();
      });
      req.once('end', () => req.socket.destroy());
      return;
    }
    // Read the request body first, as a real server does before answering.
    req.resume();
    req.once('end', () => {
      if (rule.fault === 'stall') return;
      if (rule.code === undefined) {
        res.writeHead(entry.status);
        res.end();
        return;
      }
      sendError(res, entry.status, rule.code, 'injected by the test proxy');
    });
  };

  // AbortMultipartUpload and ListMultipartUploads on s3rver's files; false for any other request.
  const emulateMultipart = (store: S3TestServer, req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url!, 'http://proxy');
    const [bucket, ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const uploadId = url.searchParams.get('uploadId');
    const abort = req.method === 'DELETE' && uploadId !== null && keyParts.length > 0;
    const list = req.method === 'GET' && url.searchParams.has('uploads') && (keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === ''));
    if ((!abort && !list) || !bucket) return false;
    const entry: FaultLogEntry = { method: req.method!, url: req.url!, status: 0, injected: true, bytes: 0, headers: req.headers, connection: connectionOf(req), ...(uploadId !== null && { uploadId }) };
    log.push(entry);
    req.resume();
    req.once('end', () => {
      const answer = abort ? abortUpload(store, bucket, keyParts.join('/'), uploadId!) : listUploads(store, bucket, url.searchParams.get('prefix') ?? '');
      answer.then(
        ({ status, body }) => {
          entry.status = status;
          if (body === undefined) return void res.writeHead(status).end();
          res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        (error: Error) => {
          entry.status = 500;
          sendError(res, 500, 'InternalError', error.message);
        },
      );
    });
    return true;
  };

  // A bucket listing with Delimiter "/": s3rver's answer plus the CommonPrefixes it leaves out.
  const listWithPrefixes = (store: S3TestServer, req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url!, 'http://proxy');
    const [bucket, ...rest] = url.pathname.slice(1).split('/');
    if (req.method !== 'GET' || !bucket || rest.some((part) => part !== '') || url.searchParams.get('delimiter') !== '/') return false;
    const prefix = url.searchParams.get('prefix') ?? '';
    log.push({ method: req.method, url: req.url!, status: 200, injected: true, bytes: 0, headers: req.headers, connection: connectionOf(req) });
    const forward = request({ host: upstream.hostname, port: upstream.port, method: 'GET', path: req.url, headers: req.headers, agent }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.once('end', () => {
        void commonPrefixes(store.directory, decodeURIComponent(bucket), prefix).then((prefixes) => {
          const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
          const added = prefixes.map((p) => `<CommonPrefixes><Prefix>${xml(p)}</Prefix></CommonPrefixes>`).join('');
          const text = Buffer.concat(chunks).toString('utf8');
          const body = answer.statusCode === 200 ? text.replace(/<CommonPrefixes>.*?<\/CommonPrefixes>/g, '').replace('</ListBucketResult>', `${added}</ListBucketResult>`) : text;
          const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
          res.writeHead(answer.statusCode!, headers);
          res.end(body);
        });
      });
    });
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
    return true;
  };

  const forwardTo = (req: IncomingMessage, res: ServerResponse, loseAnswer = false) => {
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        const entry: FaultLogEntry = { method: req.method!, url: req.url!, status: answer.statusCode!, injected: false, bytes: 0, headers: req.headers, connection: connectionOf(req), ...withUploadId(req.url!) };
        if (req.headers.range !== undefined) entry.range = req.headers.range;
        log.push(entry);
        if (loseAnswer) {
          // s3rver did it (the status is logged); the client sees the connection drop.
          entry.fault = 'lose-answer';
          answer.resume();
          answer.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode!, options.answerHeaders ? options.answerHeaders(req, { ...answer.headers }) : answer.headers);
        // CreateMultipartUpload: the upload id is in the (small) answer.
        const creates = req.method === 'POST' && new URL(req.url!, 'http://proxy').searchParams.has('uploads');
        let head = '';
        // Counted as the client takes them: a 'data' listener on `answer` would drain it regardless.
        const counter = new Transform({
          transform: (chunk: Buffer, _encoding, done) => {
            entry.bytes += chunk.length;
            if (creates && head.length < 4096) {
              head += chunk.toString('utf8');
              entry.uploadId ??= /<UploadId>([^<]+)<\/UploadId>/.exec(head)?.[1];
              if (entry.uploadId === undefined) delete entry.uploadId;
            }
            done(null, chunk);
          },
        });
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
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    log,
    stop: async () => {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

// The "folders" one level under `prefix` that hold an object somewhere below: s3rver keeps
// a key's object as `<bucket>/<key>._S3rver_object`.
async function commonPrefixes(directory: string, bucket: string, prefix: string): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string, key: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('._S3rver')) continue;
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${key}${entry.name}/`);
      else if (entry.name.endsWith('._S3rver_object')) {
        const full = `${key}${entry.name.slice(0, -'._S3rver_object'.length)}`;
        if (!full.startsWith(prefix)) continue;
        const slash = full.indexOf('/', prefix.length);
        if (slash !== -1) found.add(full.slice(0, slash + 1));
      }
    }
  };
  await walk(join(directory, bucket), '');
  return [...found].sort();
}

function withUploadId(url: string): { uploadId?: string } {
  const uploadId = new URL(url, 'http://proxy').searchParams.get('uploadId');
  return uploadId === null ? {} : { uploadId };
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function abortUpload(store: S3TestServer, bucket: string, key: string, uploadId: string): Promise<{ status: number; body?: string }> {
  const upload = (await store.incompleteUploads(bucket)).find((candidate) => candidate.uploadId === uploadId);
  if (upload === undefined || upload.key !== key) {
    return { status: 404, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>` };
  }
  await rm(join(uploadsFolder(store.directory, bucket), uploadId), { recursive: true, force: true });
  return { status: 204 };
}

async function listUploads(store: S3TestServer, bucket: string, prefix: string): Promise<{ status: number; body: string }> {
  const uploads = (await store.incompleteUploads(bucket)).filter((upload) => upload.key.startsWith(prefix));
  const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${xml(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>`,
    ...uploads.map((upload) => `<Upload><Key>${xml(upload.key)}</Key><UploadId>${upload.uploadId}</UploadId><StorageClass>STANDARD</StorageClass><Initiated>2026-01-01T00:00:00.000Z</Initiated></Upload>`),
    '</ListMultipartUploadsResult>',
  ].join('');
  return { status: 200, body };
}

/** What pgbak needs in its environment to reach the test server at `endpoint` (s3rver's fixed credentials). */
export function s3ClientEnv(endpoint: string): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: endpoint };
}

/** Per multipart upload seen by a proxy: its key, the parts stored (answered 200), and how it ended. */
export function multipartLedger(proxy: FaultProxy): Map<string, { key: string; partsStored: number[]; completed: boolean; aborted: boolean }> {
  const ledger = new Map<string, { key: string; partsStored: number[]; completed: boolean; aborted: boolean }>();
  for (const entry of proxy.log) {
    if (entry.uploadId === undefined) continue;
    const url = new URL(entry.url, 'http://proxy');
    let upload = ledger.get(entry.uploadId);
    if (upload === undefined) {
      upload = { key: decodeURIComponent(url.pathname.split('/').slice(2).join('/')), partsStored: [], completed: false, aborted: false };
      ledger.set(entry.uploadId, upload);
    }
    const part = url.searchParams.get('partNumber');
    if (entry.method === 'PUT' && part !== null && entry.status === 200) upload.partsStored.push(Number(part));
    if (entry.method === 'POST' && url.searchParams.has('uploadId') && entry.status === 200) upload.completed = true;
    if (entry.method === 'DELETE' && entry.status === 204) upload.aborted = true;
  }
  return ledger;
}
