// The S3 sink against a real S3-protocol server on loopback (s3rver), with a
// fault-injecting proxy in front of it where a test needs to see or break requests.
// s3rver answers AbortMultipartUpload with 405 and ListMultipartUploads with 501: the
// tests below prove that the abort is *sent* (the proxy sees DELETE ?uploadId) and that
// no object appears, not that a real store drops the parts (see tests/support/s3-server.ts).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ZipWriter } from '../../../lib/archive/index.js';
import { PgbakError } from '../../../lib/errors.js';
import { chooseUploadSizes, LocalFileSink, TeeSink, UPLOAD_MEMORY_BUDGET } from '../../../lib/storage/index.js';
import { createS3Client, S3Sink } from '../../../lib/storage/s3/index.js';
import { startFaultProxy, startS3Server, type FaultProxy, type FaultRule, type S3TestServer } from '../../support/s3-server.js';
import { generatedSource, sha256Of, useTempDir } from '../../unit/archive/support.js';

const MiB = 1024 * 1024;
const BUCKET = 'backups';
const tempDir = useTempDir();
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

function newKey(): string {
  return `pg/db1/nightly-${++keyCount}.zip`;
}

/** A client that talks to s3rver through a proxy that logs every request and injects the given faults. */
async function throughProxy(
  rules: FaultRule[] = [],
  maxAttempts?: number,
  delay?: (req: { method?: string; url?: string }) => number,
  answerHeaders?: NonNullable<Parameters<typeof startFaultProxy>[2]>['answerHeaders'],
): Promise<{ client: S3Client; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(s3.endpoint, rules, { ...(delay && { delay }), ...(answerHeaders && { answerHeaders }) });
  proxies.push(proxy);
  return { client: s3.client({ endpoint: proxy.endpoint, ...(maxAttempts !== undefined && { maxAttempts }) }), proxy };
}

async function objectBytes(key: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (answer.Contents ?? []).map((object) => object.Key!);
}

async function isVisible(key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound') return false;
    throw error;
  }
}

const uploadPart = (req: { method?: string; url?: string }): boolean => req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '');
const abortUpload = (req: { method?: string; url?: string }): boolean => req.method === 'DELETE' && /[?&]uploadId=/.test(req.url ?? '');
/** What s3rver cannot do: answer AbortMultipartUpload as a real store does (204). */
const abortWorks: FaultRule = { match: abortUpload, times: Infinity, status: 204 };
const abortRequests = (proxy: FaultProxy) => proxy.log.filter((entry) => entry.method === 'DELETE' && /[?&]uploadId=/.test(entry.url));

function endless(): Readable {
  return new Readable({
    read() {
      setTimeout(() => this.push(randomBytes(256 * 1024)), 1);
    },
  });
}

describe('createS3Client', () => {
  it('asks for checksums only when required and uses path-style addressing with a custom endpoint', async () => {
    const custom = createS3Client({ region: 'eu-central-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      expect(await custom.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
      expect(await custom.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
      expect(custom.config.forcePathStyle).toBe(true);
    } finally {
      custom.destroy();
    }
  });
});

describe('S3Sink', () => {
  it('streams a 20 MiB archive as a multipart upload that lands byte-exact, invisible until commit', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy();
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 2 });
    expect(sink.location).toBe(`s3://${BUCKET}/${key}`);
    const archive = randomBytes(20 * MiB);
    const gate = new PassThrough();
    const piping = pipeline(gate, sink.writable);
    // Hand over 12 MiB, wait until two parts are stored, and look for the object.
    gate.write(archive.subarray(0, 12 * MiB));
    const partsDone = () => proxy.log.filter((entry) => uploadPart(entry)).length;
    while (partsDone() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await isVisible(key)).toBe(false);
    gate.end(archive.subarray(12 * MiB));
    await piping;
    expect(await isVisible(key)).toBe(false);
    // The last part goes only once commit() ends the body.
    expect(partsDone()).toBeLessThanOrEqual(3);

    const committed = await sink.commit();

    expect(committed).toEqual({ location: `s3://${BUCKET}/${key}`, bytes: 20 * MiB, sha256: sha256Of(archive) });
    const stored = await objectBytes(key);
    expect(stored.length).toBe(20 * MiB);
    expect(stored.equals(archive)).toBe(true);
    expect(proxy.log.filter((entry) => entry.method === 'POST').map((entry) => entry.url.replace(/uploadId=\w+/, 'uploadId=…'))).toEqual([
      `/${BUCKET}/${key}?uploads=`,
      `/${BUCKET}/${key}?uploadId=…`,
    ]);
    // Four parts, then the checksum file.
    expect(proxy.log.filter((entry) => entry.method === 'PUT').length).toBe(5);
  });

  it('sends a small archive written by a ZipWriter as one PutObject at commit, byte-exact (no checksum trailers in it)', async () => {
    const key = newKey();
    const dir = tempDir();
    const { client: proxied, proxy } = await throughProxy();
    const upload = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    const writer = await ZipWriter.create(new TeeSink([await LocalFileSink.open(join(dir, 'b.zip')), upload]));
    await writer.addStream('app/app.sql', Readable.from([Buffer.from('SELECT 1;\n'.repeat(10_000))]), { compress: true });
    await writer.addStream('app/app.dump', Readable.from([randomBytes(100_000)]), { compress: false });
    expect(proxy.log).toEqual([]);
    expect(await isVisible(key)).toBe(false);

    await writer.finish();

    const local = await readFile(join(dir, 'b.zip'));
    const stored = await objectBytes(key);
    expect(stored.length).toBe(local.length);
    expect(sha256Of(stored)).toBe(sha256Of(local));
    expect(proxy.log.map((entry) => `${entry.method} ${entry.url}`)).toEqual([
      `PUT /${BUCKET}/${key}?x-id=PutObject`,
      `HEAD /${BUCKET}/${key}`,
      `PUT /${BUCKET}/${key}.sha256?x-id=PutObject`,
    ]);
  });

  it('resolves the credentials at open, while the archive is written, not at its first request (a small archive\'s PutObject at commit)', async () => {
    const proxy = await startFaultProxy(s3.endpoint, []);
    proxies.push(proxy);
    // A slow provider (STS web identity, instance metadata, a credential_process): when was it asked, and how often.
    const asked: number[] = [];
    const credentials = async () => {
      asked.push(proxy.log.length);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', expiration: new Date(Date.now() + 3_600_000) };
    };
    const slow = createS3Client({ region: 'us-east-1', endpoint: proxy.endpoint, credentials });
    try {
      const key = newKey();
      const sink = await S3Sink.open({ client: slow, bucket: BUCKET, key });
      // Asked at open, before a byte is written or a request sent.
      expect(asked).toEqual([0]);
      await pipeline(Readable.from([randomBytes(64 * 1024)]), sink.writable);
      await sink.commit();
      // The answer was kept: the PutObject, HeadObject and .sha256 did not ask again.
      expect(asked).toEqual([0]);
      expect(proxy.log.map((entry) => entry.method)).toEqual(['PUT', 'HEAD', 'PUT']);
    } finally {
      slow.destroy();
    }
  });

  it('credentials that fail at open are asked for again at the first request, whose error it is', async () => {
    let calls = 0;
    const credentials = async () => {
      if (++calls === 1) throw new Error('the metadata service did not answer');
      return { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', expiration: new Date(Date.now() + 3_600_000) };
    };
    const flaky = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, credentials });
    try {
      const key = newKey();
      const sink = await S3Sink.open({ client: flaky, bucket: BUCKET, key });
      await pipeline(Readable.from([Buffer.from('a small archive')]), sink.writable);
      await expect(sink.commit()).resolves.toMatchObject({ bytes: 15 });
      expect(calls).toBe(2);
      expect((await objectBytes(key)).toString()).toBe('a small archive');
    } finally {
      flaky.destroy();
    }
  });

  it('on a source error in a multipart upload: the writer gets that error, the upload is aborted and no object appears', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy();
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 2 });
    const source = new PassThrough();
    const piping = pipeline(source, sink.writable);
    for (let i = 0; i < 48; i++) source.write(randomBytes(256 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 300));
    source.destroy(new Error('pg_dump exited with code 1'));
    await expect(piping).rejects.toThrow('pg_dump exited with code 1');
    await expect(sink.commit()).rejects.toThrow('pg_dump exited with code 1');

    expect(proxy.log.some((entry) => entry.url.endsWith('?uploads='))).toBe(true);
    expect(proxy.log.some((entry) => entry.method === 'POST' && /uploadId=/.test(entry.url))).toBe(false);
    // AbortMultipartUpload was sent; s3rver cannot do it (405), and the sink says so.
    expect(abortRequests(proxy)).toEqual([expect.objectContaining({ status: 405 })]);
    await expect(sink.abort()).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot abort the multipart upload of s3://${BUCKET}/${key}: MethodNotAllowed (HTTP 405)`,
    });
    expect(await keysUnder(key)).toEqual([]);
  });

  it('on a source error before one part is full: sends nothing at all, and no object appears', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy();
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    const source = new PassThrough();
    source.write(randomBytes(64 * 1024));
    setTimeout(() => source.destroy(new Error('native engine: relation vanished')), 20);
    await expect(pipeline(source, sink.writable)).rejects.toThrow('relation vanished');
    await expect(sink.commit()).rejects.toThrow('relation vanished');
    await sink.abort();
    expect(proxy.log).toEqual([]);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('a small archive\'s PutObject whose connection drops halfway on every attempt: commit fails naming the key, and no object or .sha256 is left', async () => {
    const key = newKey();
    const putArchive = (req: { method?: string; url?: string }) => req.method === 'PUT' && (req.url ?? '').includes(`${key}?x-id=PutObject`);
    const { client: proxied, proxy } = await throughProxy([{ match: putArchive, times: Infinity, fault: 'reset' }], 2);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    await pipeline(Readable.from([randomBytes(3 * MiB)]), sink.writable);
    const error = await sink.commit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PgbakError);
    expect((error as Error).message).toContain(`cannot upload to s3://${BUCKET}/${key}`);
    // Both attempts reached the store and were cut off mid-body; nothing after them.
    expect(proxy.log.map((entry) => [entry.method, entry.fault])).toEqual([
      ['PUT', 'reset'],
      ['PUT', 'reset'],
    ]);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('a small archive\'s PutObject whose connection drops once is sent again and lands byte-exact', async () => {
    const key = newKey();
    const putArchive = (req: { method?: string; url?: string }) => req.method === 'PUT' && (req.url ?? '').includes(`${key}?x-id=PutObject`);
    const { client: proxied, proxy } = await throughProxy([{ match: putArchive, times: 1, fault: 'reset' }]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    const bytes = randomBytes(3 * MiB);
    await pipeline(Readable.from([bytes]), sink.writable);
    await expect(sink.commit()).resolves.toMatchObject({ bytes: bytes.length, sha256: sha256Of(bytes) });
    expect(proxy.log.filter(putArchive).map((entry) => entry.fault ?? entry.status)).toEqual(['reset', 200]);
    expect(sha256Of(await objectBytes(key))).toBe(sha256Of(bytes));
  });

  it('a writable ended without commit publishes nothing (Upload never sees the end)', async () => {
    const key = newKey();
    const sink = await S3Sink.open({ client, bucket: BUCKET, key });
    await pipeline(Readable.from([Buffer.from('a whole archive')]), sink.writable);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await isVisible(key)).toBe(false);
    await sink.abort();
    expect(await isVisible(key)).toBe(false);
    await expect(sink.commit()).rejects.toThrow(/aborted/);
  });

  it('abort() stops the writer with its reason and is idempotent; a committed archive is left alone', async () => {
    const key = newKey();
    const sink = await S3Sink.open({ client, bucket: BUCKET, key });
    const source = endless();
    const piping = pipeline(source, sink.writable);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const outcome = expect(piping).rejects.toThrow('SIGTERM');
    await Promise.all([sink.abort(new Error('SIGTERM')), sink.abort()]);
    await outcome;
    expect(source.destroyed).toBe(true);
    expect(await keysUnder(key)).toEqual([]);

    const done = await S3Sink.open({ client, bucket: BUCKET, key });
    done.writable.end('x');
    await done.commit();
    await done.abort();
    expect((await objectBytes(key)).toString()).toBe('x');
  });

  it('aborts when its signal fires (SIGINT), and the writer gets the signal\'s reason', async () => {
    const key = newKey();
    const controller = new AbortController();
    const sink = await S3Sink.open({ client, bucket: BUCKET, key, signal: controller.signal });
    const piping = pipeline(endless(), sink.writable);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort(new PgbakError('INTERRUPTED', 'interrupted by SIGINT'));
    await expect(piping).rejects.toThrow('interrupted by SIGINT');
    await expect(sink.commit()).rejects.toThrow(/interrupted by SIGINT|aborted/);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('names the bucket, the key and NoSuchBucket when the bucket does not exist', async () => {
    const sink = await S3Sink.open({ client, bucket: 'no-such-bucket', key: 'b.zip' });
    sink.writable.end(Buffer.from('small archive'));
    const error = await sink.commit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PgbakError);
    expect(error).toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: 'cannot upload to s3://no-such-bucket/b.zip: NoSuchBucket (HTTP 404)',
      hint: 'Create the bucket, or correct its name, region and endpoint',
    });
  });

  it('stops the writer with NoSuchBucket when the first part of a large archive cannot be uploaded', async () => {
    const sink = await S3Sink.open({ client, bucket: 'no-such-bucket', key: 'big.zip', partSize: 5 * MiB });
    await expect(pipeline(endless(), sink.writable)).rejects.toMatchObject({
      message: 'cannot upload to s3://no-such-bucket/big.zip: NoSuchBucket (HTTP 404)',
    });
    await expect(sink.commit()).rejects.toThrow('NoSuchBucket');
  });

  it('in a tee with a local copy, an S3 failure fails the whole and removes the local .partial', async () => {
    const key = newKey();
    const dir = tempDir();
    const { client: proxied } = await throughProxy([{ match: uploadPart, times: Infinity, status: 403, code: 'AccessDenied' }]);
    const tee = new TeeSink([await LocalFileSink.open(join(dir, 'b.zip')), await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB })]);
    const source = endless();
    await expect(pipeline(source, tee.writable)).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot upload to s3://${BUCKET}/${key}: AccessDenied (HTTP 403)`,
      hint: expect.stringContaining('s3:PutObject'),
    });
    expect(source.destroyed).toBe(true);
    // The tee reports its copies' abort failures over the first error: s3rver refuses
    // AbortMultipartUpload (405), a real store would not. The local copy is gone anyway.
    await expect(tee.commit()).rejects.toThrow(`cannot abort the multipart upload of s3://${BUCKET}/${key}: MethodNotAllowed (HTTP 405)`);
    await tee.abort().catch(() => undefined);
    expect(await readdir(dir)).toEqual([]);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('retries an UploadPart answered 503 SlowDown, and the archive still lands byte-exact', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart, times: 1, status: 503, code: 'SlowDown' }]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 1 });
    const source = generatedSource(11 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    await sink.commit();
    expect(proxy.log.filter((entry) => entry.injected)).toHaveLength(1);
    expect(sha256Of(await objectBytes(key))).toBe(source.sha256());
  });

  it('fails cleanly, naming SlowDown, when every attempt of an UploadPart gets 503, and leaves no object', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([{ match: uploadPart, times: Infinity, status: 503, code: 'SlowDown' }], 2);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, queueSize: 1 });
    const source = endless();
    await expect(pipeline(source, sink.writable)).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot upload to s3://${BUCKET}/${key}: SlowDown (HTTP 503)`,
      hint: expect.stringContaining('retried'),
    });
    expect(source.destroyed).toBe(true);
    await expect(sink.commit()).rejects.toThrow('SlowDown');
    expect(proxy.log.filter((entry) => entry.injected)).toHaveLength(2);
    expect(abortRequests(proxy)).toHaveLength(1);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('through a ZipWriter: a source that fails after two parts rejects addStream with its error, and abort() aborts the upload once', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([abortWorks]);
    const writer = await ZipWriter.create(await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB }));
    let produced = 0;
    const failing = new Readable({
      read() {
        if (produced >= 12 * MiB) return void setTimeout(() => this.destroy(new Error('pg_dump exited with code 1')), 200);
        produced += 256 * 1024;
        this.push(randomBytes(256 * 1024));
      },
    });
    await expect(writer.addStream('app/app.dump', failing, { compress: false })).rejects.toThrow('pg_dump exited with code 1');
    await writer.abort();
    expect(abortRequests(proxy)).toEqual([expect.objectContaining({ status: 204, injected: true })]);
    expect(proxy.log.filter((entry) => entry.method === 'POST').map((entry) => entry.url)).toEqual([`/${BUCKET}/${key}?uploads=`]);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('with unevenParts, the part being filled goes short when a streamed entry ends; the rest is one small last part and the object lands byte-exact', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy();
    const writer = await ZipWriter.create(await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 8 * MiB, unevenParts: true }), { compressionLevel: 0 });
    const dump = generatedSource(14 * MiB);
    await writer.addStream('app/app.dump', dump.stream, { compress: false });
    // Content-Length of each UploadPart, by part number (the log is in the order they were answered).
    const parts = () =>
      proxy.log
        .filter((entry) => entry.method === 'PUT' && entry.url.includes('partNumber='))
        .map((entry) => [Number(/partNumber=(\d+)/.exec(entry.url)![1]), Number(entry.headers['content-length'])] as const)
        .sort(([a], [b]) => a - b)
        .map(([, length]) => length);
    // The 8 MiB part went while the entry was written; the ~6 MiB rest goes now, before finish().
    for (let i = 0; i < 100 && parts().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(parts()).toHaveLength(2);
    expect(parts()[0]).toBe(8 * MiB);
    expect(parts()[1]).toBeGreaterThanOrEqual(5 * MiB);
    await writer.addBuffer('manifest.json', Buffer.from('{}'), { compress: false });
    const finished = await writer.finish();
    expect(parts()).toHaveLength(3);
    // The manifest, the zip's directory and what was still on its way from the entry (the streams' buffers).
    expect(parts()[2]).toBeLessThan(1 * MiB);
    const stored = await objectBytes(key);
    expect(stored.length).toBe(finished.bytes);
    expect(sha256Of(stored)).toBe(finished.sha256);
  });

  it('in a tee, with a store that aborts multipart uploads, the tee fails with the S3 copy\'s AccessDenied', async () => {
    const key = newKey();
    const dir = tempDir();
    const { client: proxied, proxy } = await throughProxy([abortWorks, { match: uploadPart, times: Infinity, status: 403, code: 'AccessDenied' }]);
    const tee = new TeeSink([await LocalFileSink.open(join(dir, 'b.zip')), await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB })]);
    const expected = { code: 'OUTPUT_NOT_WRITABLE', message: `cannot upload to s3://${BUCKET}/${key}: AccessDenied (HTTP 403)` };
    await expect(pipeline(endless(), tee.writable)).rejects.toMatchObject(expected);
    await expect(tee.commit()).rejects.toMatchObject(expected);
    await tee.abort();
    expect(abortRequests(proxy)).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps memory bounded: with a slow store, the writer waits, at most (queueSize + 1) parts ahead of what is stored', async () => {
    const key = newKey();
    const partSize = 5 * MiB;
    const { client: proxied, proxy } = await throughProxy([abortWorks], undefined, (req) => (uploadPart(req) ? 300 : 0));
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize, queueSize: 2 });
    let accepted = 0;
    let maxAhead = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => {
      accepted += chunk.length;
      const stored = proxy.log.filter((entry) => uploadPart(entry)).length * partSize;
      maxAhead = Math.max(maxAhead, accepted - stored);
    });
    const piping = pipeline(endless(), counter, sink.writable);
    const outcome = expect(piping).rejects.toThrow('enough');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sink.abort(new Error('enough'));
    await outcome;
    expect(accepted).toBeGreaterThan(3 * partSize);
    // Two parts in flight, one being filled, and the streams' buffers (a few hundred KiB).
    expect(maxAhead).toBeLessThan(3 * partSize + MiB);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('sends the storage class and SSE-KMS with its key on CreateMultipartUpload, and not on the parts', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([abortWorks]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, storageClass: 'ONEZONE_IA', sse: 'aws:kms', kmsKeyId: 'alias/pgbak-backups' });
    const source = generatedSource(11 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    await sink.commit();

    const create = proxy.log.find((entry) => entry.method === 'POST' && entry.url.endsWith('?uploads='))!;
    expect(create.headers).toMatchObject({
      'x-amz-storage-class': 'ONEZONE_IA',
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': 'alias/pgbak-backups',
    });
    const parts = proxy.log.filter((entry) => uploadPart(entry));
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(Object.keys(part.headers).filter((name) => /storage-class|server-side/.test(name))).toEqual([]);
    expect(sha256Of(await objectBytes(key))).toBe(source.sha256());
  });

  it('sends the storage class and SSE-S3 on the PutObject of a small archive', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy();
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, storageClass: 'STANDARD_IA', sse: 'AES256' });
    sink.writable.end(Buffer.from('a small archive'));
    await sink.commit();
    const put = proxy.log.find((entry) => entry.url === `/${BUCKET}/${key}?x-id=PutObject`)!;
    expect(put.headers['x-amz-storage-class']).toBe('STANDARD_IA');
    expect(put.headers['x-amz-server-side-encryption']).toBe('AES256');
    expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBeUndefined();
  });

  it('writes <key>.sha256 beside the object, a sha256sum line of the bytes it uploaded', async () => {
    const key = newKey();
    const sink = await S3Sink.open({ client, bucket: BUCKET, key, partSize: 5 * MiB });
    const source = generatedSource(6 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    const committed = await sink.commit();
    const sha256 = source.sha256();
    expect(committed.sha256).toBe(sha256);
    expect((await objectBytes(`${key}.sha256`)).toString()).toBe(`${sha256}  ${key.split('/').pop()}\n`);
  });

  it('fails as soon as the archive outgrows partSize × maxParts, before CompleteMultipartUpload, and aborts the upload', async () => {
    const key = newKey();
    const { client: proxied, proxy } = await throughProxy([abortWorks]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: 5 * MiB, maxParts: 2, estimatedBytes: 3 * MiB });
    const source = endless();
    await expect(pipeline(source, sink.writable)).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `s3://${BUCKET}/${key} outgrew its upload: 2 parts of 5.0 MiB hold 10.0 MiB, and the archive is larger (its parts were sized for databases of 3.0 MiB)`,
      hint: expect.stringContaining('larger partSize'),
    });
    expect(source.destroyed).toBe(true);
    await expect(sink.commit()).rejects.toThrow('outgrew its upload');
    await sink.abort().catch(() => undefined);
    expect(proxy.log.some((entry) => entry.method === 'POST' && /uploadId=/.test(entry.url))).toBe(false);
    expect(abortRequests(proxy)).toHaveLength(1);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('takes an archive of exactly partSize × maxParts', async () => {
    const key = newKey();
    const sink = await S3Sink.open({ client, bucket: BUCKET, key, partSize: 5 * MiB, maxParts: 2 });
    const source = generatedSource(10 * MiB, 256 * 1024);
    await pipeline(source.stream, sink.writable);
    await expect(sink.commit()).resolves.toMatchObject({ bytes: 10 * MiB, sha256: source.sha256() });
  });

  it('a store that keeps more bytes than it was sent (checksum trailers inside the object): fails, deletes the object, leaves no .sha256', async () => {
    const key = newKey();
    // The HEAD after the upload reports 45 bytes more, as a store that kept an aws-chunked trailer would.
    const { client: proxied } = await throughProxy([], undefined, undefined, (req: IncomingMessage, headers: OutgoingHttpHeaders) =>
      req.method === 'HEAD' ? { ...headers, 'content-length': String(Number(headers['content-length']) + 45) } : headers,
    );
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    sink.writable.end(randomBytes(100_000));
    const error = await sink.commit().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `s3://${BUCKET}/${key} holds 100045 bytes, but 100000 were written; the object was deleted`,
      hint: expect.stringContaining('checksum trailers'),
    });
    await sink.abort();
    expect(await keysUnder(key)).toEqual([]);
  });

  it('checks the stored size and writes the .sha256 at once, not one after the other (one round trip less at the end of every run)', async () => {
    const key = newKey();
    // The HEAD is held back: the .sha256 is stored while it waits.
    const { client: proxied, proxy } = await throughProxy([], undefined, (req) => (req.method === 'HEAD' ? 400 : 0));
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    sink.writable.end(randomBytes(100_000));
    const committed = await sink.commit();
    const answered = proxy.log.map(({ method, url }) => `${method} ${decodeURIComponent(url.split('?')[0]!)}`);
    expect(answered).toEqual([`PUT /${BUCKET}/${key}`, `PUT /${BUCKET}/${key}.sha256`, `HEAD /${BUCKET}/${key}`]);
    expect((await objectBytes(`${key}.sha256`)).toString()).toBe(`${committed.sha256}  ${key.split('/').pop()}\n`);
  });

  it('a size that does not match while the .sha256 was written, and the .sha256 cannot be deleted: says it is left', async () => {
    const key = newKey();
    const { client: proxied } = await throughProxy(
      [{ match: (req) => req.method === 'DELETE' && (req.url ?? '').includes('.sha256'), times: Infinity, status: 403, code: 'AccessDenied' }],
      1,
      undefined,
      (req: IncomingMessage, headers: OutgoingHttpHeaders) => (req.method === 'HEAD' ? { ...headers, 'content-length': '7' } : headers),
    );
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    sink.writable.end(randomBytes(1000));
    await expect(sink.commit()).rejects.toMatchObject({
      message: `s3://${BUCKET}/${key} holds 7 bytes, but 1000 were written; the object was deleted; s3://${BUCKET}/${key}.sha256 is left (AccessDenied): delete it by hand`,
    });
    expect(await keysUnder(key)).toEqual([`${key}.sha256`]);
  });

  it('when the .sha256 cannot be written: fails naming it and deletes the object', async () => {
    const key = newKey();
    const { client: proxied } = await throughProxy([{ match: (req) => req.method === 'PUT' && (req.url ?? '').includes('.sha256'), times: Infinity, status: 403, code: 'AccessDenied' }]);
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key });
    sink.writable.end(Buffer.from('a small archive'));
    await expect(sink.commit()).rejects.toMatchObject({
      message: `cannot write s3://${BUCKET}/${key}.sha256: AccessDenied (HTTP 403); the object was deleted`,
    });
    expect(await keysUnder(key)).toEqual([]);
  });

  it('keeps memory within the budget with the sizes chosen for a large estimate: the writer is at most (queueSize + 1) parts ahead', async () => {
    const key = newKey();
    // 100 parts for an estimated 1.2 GiB: 25 MiB parts, 2 at once (75 MiB), as 10,000 parts would be for ~120 GiB.
    const sizes = chooseUploadSizes({ maxParts: 100 }, 1.2 * 1024 * MiB);
    expect(sizes).toMatchObject({ partSize: 25 * MiB, queueSize: 2, memoryBytes: 75 * MiB });
    expect(sizes.memoryBytes).toBeLessThanOrEqual(UPLOAD_MEMORY_BUDGET);
    const { client: proxied, proxy } = await throughProxy([abortWorks], undefined, (req) => (uploadPart(req) ? 400 : 0));
    const sink = await S3Sink.open({ client: proxied, bucket: BUCKET, key, partSize: sizes.partSize, queueSize: sizes.queueSize, maxParts: sizes.maxParts });
    let accepted = 0;
    let maxAhead = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => {
      accepted += chunk.length;
      const stored = proxy.log.filter((entry) => uploadPart(entry)).length * sizes.partSize;
      maxAhead = Math.max(maxAhead, accepted - stored);
    });
    const piping = pipeline(endless(), counter, sink.writable);
    const outcome = expect(piping).rejects.toThrow('enough');
    while (proxy.log.filter((entry) => uploadPart(entry)).length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    await sink.abort(new Error('enough'));
    await outcome;
    expect(accepted).toBeGreaterThan(3 * sizes.partSize);
    expect(maxAhead).toBeLessThan(sizes.memoryBytes + MiB);
    expect(await keysUnder(key)).toEqual([]);
  });

  it('refuses a part size below S3\'s 5 MiB minimum', async () => {
    await expect(S3Sink.open({ client, bucket: BUCKET, key: 'x.zip', partSize: MiB })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
