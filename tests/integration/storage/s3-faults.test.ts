// The S3 sink under store failures, through the fault proxy in front of s3rver: dropped
// connections, a store that stops answering, 503s on a chosen part. The proxy runs with
// `store` (AbortMultipartUpload and ListMultipartUploads answered on s3rver's files, see
// tests/support/s3-server.ts), so "no incomplete upload" is checked with the SDK's
// ListMultipartUploads and on s3rver's disk, not taken on trust.
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3Sink } from '../../../lib/storage/s3/index.js';
import { multipartLedger, startFaultProxy, startS3Server, type FaultProxy, type FaultRule, type S3TestServer } from '../../support/s3-server.js';
import { generatedSource, sha256Of } from '../../unit/archive/support.js';

const MiB = 1024 * 1024;
const BUCKET = 'faults';
let s3: S3TestServer;
let client: S3Client;
const proxies: FaultProxy[] = [];
let keyCount = 0;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await s3?.stop();
});

const newKey = () => `faults/run-${++keyCount}.zip`;
const uploadPart = (n?: number) => (req: { method?: string; url?: string }) =>
  req.method === 'PUT' && new RegExp(`[?&]partNumber=${n ?? '\\d+'}(&|$)`).test(req.url ?? '');

async function throughProxy(rules: FaultRule[], clientOptions: { maxAttempts?: number; idleTimeoutMs?: number } = {}): Promise<{ client: S3Client; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(s3.endpoint, rules, { store: s3 });
  proxies.push(proxy);
  return { client: s3.client({ endpoint: proxy.endpoint, ...clientOptions }), proxy };
}

async function objectBytes(key: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

/** Nothing of `key` is left: no object (ListObjectsV2), no incomplete upload (ListMultipartUploads through the proxy, and on s3rver's disk). */
async function expectNothingLeft(key: string, proxied: S3Client): Promise<void> {
  const objects = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  expect(objects.Contents ?? []).toEqual([]);
  const uploads = await proxied.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }));
  expect(uploads.Uploads ?? []).toEqual([]);
  expect((await s3.incompleteUploads(BUCKET)).filter((upload) => upload.key === key)).toEqual([]);
}

function endless(): Readable {
  return generatedSource(Number.MAX_SAFE_INTEGER, 256 * 1024).stream;
}

describe('the test store (s3rver behind the proxy with store emulation)', () => {
  it('lists an incomplete multipart upload, aborts it (its parts removed from disk), then answers NoSuchUpload', async () => {
    const key = newKey();
    const { client: proxied } = await throughProxy([]);
    const { UploadId } = await proxied.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    await proxied.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));

    const listed = await proxied.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'faults/' }));
    expect(listed.Uploads?.map((upload) => [upload.Key, upload.UploadId])).toEqual([[key, UploadId]]);
    expect(await s3.incompleteUploads(BUCKET)).toEqual([{ key, uploadId: UploadId, parts: [1] }]);

    await proxied.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }));
    await expectNothingLeft(key, proxied);
    await expect(proxied.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId }))).rejects.toMatchObject({ name: 'NoSuchUpload' });
  });
});

describe('S3Sink retries transient store failures per part', () => {
  it('a connection dropped halfway through a part is retried, and the object lands byte-identical', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart(2), times: 1, fault: 'reset' }]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 2 });
    const source = generatedSource(17 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    await sink.commit();

    expect(proxy.log.filter((entry) => entry.fault === 'reset').map((entry) => entry.url)).toEqual([expect.stringMatching(/partNumber=2&/)]);
    expect(proxy.log.filter((entry) => uploadPart(2)(entry) && entry.status === 200)).toHaveLength(1);
    expect(sha256Of(await objectBytes(key))).toBe(source.sha256());
    expect((await proxied.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: key }))).Uploads ?? []).toEqual([]);
    expect(await s3.incompleteUploads(BUCKET)).toEqual([]);
  });

  it('a part the store never answers is given up after the idle timeout and retried; the object lands byte-identical', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart(1), times: 1, fault: 'stall' }], { idleTimeoutMs: 1500 });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 1 });
    const source = generatedSource(11 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    await sink.commit();

    expect(proxy.log.filter((entry) => entry.fault === 'stall')).toHaveLength(1);
    expect(sha256Of(await objectBytes(key))).toBe(source.sha256());
    expect(await s3.incompleteUploads(BUCKET)).toEqual([]);
  });

  it('a store that stops answering fails the upload within the attempts, naming TimeoutError, and nothing is left', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart(2), times: Infinity, fault: 'stall' }], { idleTimeoutMs: 1000, maxAttempts: 3 });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 1 });
    const started = Date.now();
    const failure = await pipeline(endless(), sink.writable).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: expect.stringMatching(new RegExp(`^cannot upload to s3://${BUCKET}/${key}: TimeoutError: .*timed out after 1000 ms of inactivity`)),
      hint: expect.stringContaining('PGBAK_S3_TIMEOUT'),
    });
    // Three attempts of 1 s and the backoff between them: seconds, not forever.
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(sink.commit()).rejects.toThrow('TimeoutError');
    expect(proxy.log.filter((entry) => entry.fault === 'stall')).toHaveLength(3);
    const [upload] = [...multipartLedger(proxy).values()];
    // Part 1 once, or more when a loaded machine made it outlast the timeout too.
    expect(new Set(upload!.partsStored)).toEqual(new Set([1]));
    expect(upload).toMatchObject({ key, completed: false, aborted: true });
    await expectNothingLeft(key, proxied);
  });

  it('503 SlowDown on part 3 until the attempts run out: the writer stops with bucket, key and SlowDown; the upload is aborted and nothing is left', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart(3), times: Infinity, status: 503, code: 'SlowDown' }], { maxAttempts: 3 });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 1 });
    const source = endless();
    await expect(pipeline(source, sink.writable)).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot upload to s3://${BUCKET}/${key}: SlowDown (HTTP 503)`,
      hint: expect.stringContaining('retried'),
    });
    expect(source.destroyed).toBe(true);
    await expect(sink.commit()).rejects.toThrow('SlowDown');
    expect(proxy.log.filter((entry) => entry.injected && entry.status === 503)).toHaveLength(3);
    const [upload] = [...multipartLedger(proxy).values()];
    expect(new Set(upload!.partsStored)).toEqual(new Set([1, 2]));
    expect(upload).toMatchObject({ key, completed: false, aborted: true });
    await expectNothingLeft(key, proxied);
  });

  it('a source error after three parts: the upload is aborted after its last part settled, and no part is left on the store', async () => {
    const key = newKey();
    // A slow store: parts are still in flight when the source fails.
    const proxy = await startFaultProxy(s3.endpoint, [], { store: s3, delay: (req) => (uploadPart()(req) ? 200 : 0) });
    proxies.push(proxy);
    const proxied = s3.client({ endpoint: proxy.endpoint });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 3 });
    const source = new PassThrough();
    const piping = pipeline(source, sink.writable);
    const feeding = generatedSource(24 * MiB, 256 * 1024).stream;
    feeding.pipe(source, { end: false });
    while (proxy.log.filter((entry) => uploadPart()(entry)).length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    feeding.unpipe(source);
    feeding.destroy();
    source.destroy(new Error('pg_dump exited with code 1'));
    await expect(piping).rejects.toThrow('pg_dump exited with code 1');
    await sink.abort();

    const [upload] = [...multipartLedger(proxy).values()];
    expect(upload!.partsStored.length).toBeGreaterThanOrEqual(3);
    expect(upload).toMatchObject({ completed: false, aborted: true });
    // The abort came after every part's answer: none re-created the upload's folder.
    const abortAt = proxy.log.findIndex((entry) => entry.method === 'DELETE');
    expect(proxy.log.slice(abortAt + 1).filter((entry) => uploadPart()(entry))).toEqual([]);
    await expectNothingLeft(key, proxied);
  });

  it('CompleteMultipartUpload whose answer is lost: the retry finds the object complete, and the commit succeeds', async () => {
    const key = newKey();
    const complete = (req: { method?: string; url?: string }) => req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? '');
    const { client: proxied, proxy } = await throughProxy([{ match: complete, times: 1, fault: 'lose-answer' }], { maxAttempts: 3 });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 2 });
    const source = generatedSource(11 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);

    expect(await sink.commit()).toEqual({ location: `s3://${BUCKET}/${key}`, bytes: 11 * MiB, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // s3rver completed it the first time; the retry got an error (s3rver: 500, S3: NoSuchUpload or 200).
    expect(proxy.log.filter((entry) => complete(entry)).map((entry) => [entry.status, entry.fault])).toEqual([
      [200, 'lose-answer'],
      ...proxy.log.filter((entry) => complete(entry)).slice(1).map((entry) => [entry.status, undefined]),
    ]);
    expect(sha256Of(await objectBytes(key))).toBe(source.sha256());
    expect(await s3.incompleteUploads(BUCKET)).toEqual([]);
  });

  it('CompleteMultipartUpload refused on every attempt: the commit fails with the store\'s error, and the upload is aborted', async () => {
    const key = newKey();
    const complete = (req: { method?: string; url?: string }) => req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? '');
    const { client: proxied, proxy } = await throughProxy([{ match: complete, times: Infinity, status: 500, code: 'InternalError' }], { maxAttempts: 2 });
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 2 });
    await pipeline(generatedSource(11 * MiB, 256 * 1024).stream, sink.writable);

    await expect(sink.commit()).rejects.toMatchObject({ message: `cannot upload to s3://${BUCKET}/${key}: InternalError (HTTP 500)` });
    expect(proxy.log.filter((entry) => complete(entry))).toHaveLength(2);
    expect([...multipartLedger(proxy).values()]).toEqual([expect.objectContaining({ completed: false, aborted: true })]);
    await expectNothingLeft(key, proxied);
  });
});

