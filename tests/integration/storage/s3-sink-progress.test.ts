// The S3 sink's progress callback (what the progress line shows as "uploaded"): the
// bytes the store has acknowledged, part by part, against a real s3rver on loopback.
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Sink } from '../../../lib/storage/s3/index.js';
import { startFaultProxy, startS3Server, type FaultProxy, type S3TestServer } from '../../support/s3-server.js';
import { generatedSource } from '../../unit/archive/support.js';

const MiB = 1024 * 1024;
const BUCKET = 'progress';
let s3: S3TestServer;
let client: S3Client;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  client = s3.client();
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(async () => {
  await s3?.stop();
});

describe('S3Sink onUploaded', () => {
  it('reports the bytes of each completed part, counting on, and the whole archive once committed', async () => {
    const reports: number[] = [];
    const sink = await S3Sink.open({ client, bucket: BUCKET, key: 'pg/parts.zip', partSize: 5 * MiB, queueSize: 1, onUploaded: (bytes) => reports.push(bytes) });
    const total = 12 * MiB + 123;
    await pipeline(generatedSource(total).stream, sink.writable);
    const committed = await sink.commit();
    expect(committed.bytes).toBe(total);
    // Two full parts while writing, the rest with the last part at commit.
    expect(reports).toEqual([5 * MiB, 10 * MiB, total]);
  });

  it('reports an archive smaller than one part once its PutObject answered', async () => {
    const reports: number[] = [];
    const sink = await S3Sink.open({ client, bucket: BUCKET, key: 'pg/small.zip', onUploaded: (bytes) => reports.push(bytes) });
    await pipeline(generatedSource(1000).stream, sink.writable);
    expect(reports).toEqual([]);
    await sink.commit();
    expect(reports).toEqual([1000]);
  });

  it('does not count a part the store refused until a retry of it succeeds', async () => {
    proxy = await startFaultProxy(s3.endpoint, [{ match: (req) => req.method === 'PUT' && /partNumber=1\b/.test(req.url ?? ''), times: 1, status: 503, code: 'SlowDown' }]);
    const reports: number[] = [];
    const sink = await S3Sink.open({ client: s3.client({ endpoint: proxy.endpoint }), bucket: BUCKET, key: 'pg/retried.zip', partSize: 5 * MiB, queueSize: 1, onUploaded: (bytes) => reports.push(bytes) });
    await pipeline(generatedSource(6 * MiB).stream, sink.writable);
    await sink.commit();
    expect(proxy.log.filter((entry) => entry.injected)).toHaveLength(1);
    // One part at a time (queueSize 1): the refused part counts once, after its retry.
    expect(reports).toEqual([5 * MiB, 6 * MiB]);
  });
});
