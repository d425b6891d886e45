// S3Source (an archive read by ranged GETs) against s3rver behind a logging, fault-injecting
// proxy: exact bytes across windows, errors reach the stream's consumer as PgbakError
// naming s3://bucket/key, and destroying a stream stops its requests.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { openZipSource, ZipWriter } from '../../../lib/archive/index.js';
import { PgbakError } from '../../../lib/errors.js';
import { S3Sink, S3Source } from '../../../lib/storage/s3/index.js';
import { startFaultProxy, startS3Server, type FaultProxy, type FaultRule, type S3TestServer } from '../../support/s3-server.js';

const MiB = 1024 * 1024;
const BUCKET = 'backups';
let s3: S3TestServer;
let client: S3Client;
const proxies: FaultProxy[] = [];
const data = randomBytes(3 * MiB + 12345);

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'blob', Body: data }));
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await s3?.stop();
});

async function throughProxy(rules: FaultRule[] = []): Promise<{ client: S3Client; proxy: FaultProxy }> {
  const proxy = await startFaultProxy(s3.endpoint, rules);
  proxies.push(proxy);
  return { client: s3.client({ endpoint: proxy.endpoint, maxAttempts: 1 }), proxy };
}

// Buffers compared with equals(): jest's toEqual walks them byte by byte (a minute for 3 MiB).
async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('S3Source', () => {
  it('knows the size from HEAD and reads exact ranges, across several GET windows', async () => {
    const { client: c, proxy } = await throughProxy();
    const source = await S3Source.open(c, BUCKET, 'blob');
    expect(source.size).toBe(data.length);
    expect(source.location).toBe(`s3://${BUCKET}/blob`);
    expect((await bytesOf(source.readStream(10, 20))).equals(data.subarray(10, 20))).toBe(true);
    expect((await bytesOf(source.readStream(1000, data.length))).equals(data.subarray(1000))).toBe(true);
    expect((await bytesOf(source.readStream(5, 5))).equals(Buffer.alloc(0))).toBe(true);
    const gets = proxy.log.filter((r) => r.method === 'GET');
    expect(gets.length).toBeGreaterThan(2);
    for (const get of gets) expect(get.range).toMatch(/^bytes=\d+-\d+$/);
    await source.close();
    await source.close();
  });

  it('a failing GET reaches the consumer as a PgbakError naming s3://bucket/key and the S3 error code', async () => {
    const { client: c } = await throughProxy([{ match: (req) => req.method === 'GET', times: Infinity, status: 500, code: 'InternalError' }]);
    const source = await S3Source.open(c, BUCKET, 'blob');
    const error = await bytesOf(source.readStream(0, 100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgbakError);
    expect((error as PgbakError).code).toBe('ARCHIVE_INVALID');
    expect((error as PgbakError).message).toBe(`cannot read s3://${BUCKET}/blob: InternalError (HTTP 500)`);
    await source.close();
  });

  it('a failing GET of a later window fails the stream after the bytes already read', async () => {
    const { client: c } = await throughProxy([{ match: (req) => req.method === 'GET' && !/bytes=0-/.test(String(req.headers.range)), times: Infinity, status: 503, code: 'SlowDown' }]);
    const source = await S3Source.open(c, BUCKET, 'blob');
    const got: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of source.readStream(0, data.length)) got.push(chunk as Buffer);
    })().catch((e: unknown) => e);
    expect((error as PgbakError).message).toMatch(/^cannot read s3:\/\/backups\/blob: SlowDown \(HTTP 503\)/);
    expect(Buffer.concat(got).equals(data.subarray(0, Buffer.concat(got).length))).toBe(true);
    expect(Buffer.concat(got).length).toBeGreaterThan(0);
    await source.close();
  });

  it('destroying a stream after its first chunk sends no further GET', async () => {
    const { client: c, proxy } = await throughProxy();
    const source = await S3Source.open(c, BUCKET, 'blob');
    const stream = source.readStream(0, data.length);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(proxy.log.filter((r) => r.method === 'GET')).toHaveLength(1);
    // The source stays usable for other ranges.
    expect((await bytesOf(source.readStream(7, 9))).equals(data.subarray(7, 9))).toBe(true);
    await source.close();
  });

  it('a missing object fails at open, naming it', async () => {
    const error = await S3Source.open(client, BUCKET, 'nope.zip').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgbakError);
    expect((error as PgbakError).message).toBe(`s3://${BUCKET}/nope.zip is not a readable pgbak archive: no such object (NotFound, HTTP 404)`);
  });

  it('opens a zip in the bucket with openZipSource: entries and content exact, the directory in one GET', async () => {
    const writer = await ZipWriter.create(await S3Sink.open({ client, bucket: BUCKET, key: 'many.zip', partSize: 5 * MiB }));
    for (let i = 0; i < 300; i++) await writer.addStream(`db/table_${i}.dat`, Readable.from([Buffer.from(`rows of ${i}\n`.repeat(100))]), { compress: true });
    await writer.addStream('big.bin', Readable.from([data]), { compress: false });
    await writer.finish();
    const { client: c, proxy } = await throughProxy();

    const reader = await openZipSource(await S3Source.open(c, BUCKET, 'many.zip'));
    const opened = proxy.log.length;
    expect(reader.entries()).toHaveLength(301);
    expect(await reader.readText('db/table_7.dat')).toBe('rows of 7\n'.repeat(100));
    expect((await bytesOf(await reader.openStream('big.bin'))).equals(data)).toBe(true);
    reader.close();

    // HEAD, then one GET for the tail (end record and the whole central directory).
    expect(opened).toBe(2);
    expect(proxy.log.slice(1).every((r) => r.method === 'GET' && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  });
});
