// How S3Sink cuts an archive into parts and sends them, with a stub store whose
// UploadPart answers only when the test lets it: the part buffers (at most queueSize + 1,
// reused only once their UploadPart answered), the parts in flight (at most queueSize),
// the writer held back while every buffer is busy, and the part boundaries (empty archive,
// exactly one part, the last short part, maxParts). The same sink against a real
// S3-protocol server: tests/integration/storage/s3-sink.test.ts.
import { constants } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { S3Sink } from '../../../lib/storage/s3/index.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const BUCKET = 'b';
const KEY = 'pg/a.zip';

interface Call {
  name: string;
  input: Record<string, unknown>;
}

interface StubStore {
  client: S3Client;
  calls: Call[];
  /** The object once completed (or put), by key. */
  objects: Map<string, Buffer>;
  /** Sizes of the parts received, by part number. */
  partSizes: Map<number, number>;
  inFlight: () => number;
  maxInFlight: () => number;
  /** The distinct memory (ArrayBuffers) the parts' bodies were in. */
  partMemory: Set<ArrayBufferLike>;
  /** Parts whose body changed between the request and its answer (a buffer reused too early). */
  changedWhileSent: number[];
  /** Answers the oldest UploadPart waiting (with `gated`); false when none waits. */
  release: () => boolean;
  /** Resolves once `n` UploadParts wait for an answer. */
  waiting: (n: number) => Promise<void>;
}

function stubStore(options: { gated?: boolean; failPart?: number; checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' } = {}): StubStore {
  const calls: Call[] = [];
  const objects = new Map<string, Buffer>();
  const parts = new Map<number, Buffer>();
  const partSizes = new Map<number, number>();
  const partMemory = new Set<ArrayBufferLike>();
  const changedWhileSent: number[] = [];
  const gates: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
    const { input } = command;
    const name = command.constructor.name;
    calls.push({ name, input });
    const key = input['Key'] as string;
    switch (name) {
      case 'CreateMultipartUploadCommand':
        return { UploadId: 'upload-1' };
      case 'UploadPartCommand': {
        const number = input['PartNumber'] as number;
        const body = input['Body'] as Buffer;
        const copy = Buffer.from(body);
        partMemory.add(body.buffer);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (options.gated) await new Promise<void>((resolve) => gates.push(resolve));
          else await new Promise((resolve) => setTimeout(resolve, 2));
          if (!body.equals(copy)) changedWhileSent.push(number);
          if (number === options.failPart) {
            throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503, attempts: 5 } });
          }
          parts.set(number, copy);
          partSizes.set(number, copy.length);
          return { ETag: `"etag-${number}"`, ...(options.checksums === 'WHEN_SUPPORTED' && { ChecksumCRC32: `crc-${number}` }) };
        } finally {
          inFlight--;
        }
      }
      case 'CompleteMultipartUploadCommand': {
        const listed = (input['MultipartUpload'] as { Parts: Array<{ PartNumber: number }> }).Parts;
        objects.set(key, Buffer.concat(listed.map((part) => parts.get(part.PartNumber)!)));
        return {};
      }
      case 'PutObjectCommand':
        objects.set(key, Buffer.from(input['Body'] as Buffer | string));
        return {};
      case 'HeadObjectCommand':
        return { ContentLength: objects.get(key)?.length };
      case 'AbortMultipartUploadCommand':
      case 'DeleteObjectCommand':
        return {};
      default:
        throw new Error(`unexpected ${name}`);
    }
  };
  const client = { send, config: { requestChecksumCalculation: async () => options.checksums ?? 'WHEN_REQUIRED' }, destroy: () => undefined } as unknown as S3Client;
  return {
    client,
    calls,
    objects,
    partSizes,
    partMemory,
    changedWhileSent,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    release: () => {
      const gate = gates.shift();
      gate?.();
      return gate !== undefined;
    },
    waiting: async (n) => {
      while (gates.length < n) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
}

/** `total` random bytes in 64 KiB chunks (as a pipe delivers them); counts what was read. */
function source(total: number): { stream: Readable; bytes: Buffer; read: () => number } {
  const bytes = randomBytes(total);
  let at = 0;
  const stream = new Readable({
    read() {
      if (at >= total) return void this.push(null);
      const chunk = bytes.subarray(at, Math.min(total, at + 64 * 1024));
      at += chunk.length;
      this.push(Buffer.from(chunk));
    },
  });
  return { stream, bytes, read: () => at };
}

const names = (store: StubStore) => store.calls.map((call) => call.name.replace(/Command$/, ''));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until `done()` holds (10 s at most: a loaded machine is slow, never wrong). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 10_000; waited += 10) await tick(10);
}

describe('S3Sink parts', () => {
  it('holds the writer back while queueSize parts are in flight and one is full: memory stays at (queueSize + 1) part buffers', async () => {
    const store = stubStore({ gated: true });
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, queueSize: 2 });
    const input = source(12 * PART + 1234);
    const piping = pipeline(input.stream, sink.writable);

    // Parts 1 and 2 in flight, part 3 full in the third buffer: the writer waits.
    await store.waiting(2);
    await tick(100);
    expect(store.inFlight()).toBe(2);
    const held = input.read();
    await tick(100);
    expect(input.read()).toBe(held);
    // The full third part and what the streams buffer (64 KiB each side, a chunk in hand).
    expect(held).toBeGreaterThanOrEqual(3 * PART);
    expect(held).toBeLessThan(3 * PART + 4 * 64 * 1024);

    // One answer frees one buffer: the third part goes, the writer fills the freed one.
    store.release();
    await store.waiting(2);
    while (input.read() < 4 * PART) await tick(10);
    await tick(100);
    expect(input.read()).toBeLessThan(4 * PART + 4 * 64 * 1024);

    // The rest, answering parts as they come.
    let done = false;
    void piping.finally(() => (done = true));
    while (!done) {
      store.release();
      await tick(5);
    }
    await piping;
    const committing = sink.commit();
    while (store.release() || !store.calls.some((call) => call.name === 'CompleteMultipartUploadCommand')) await tick(5);
    const committed = await committing;

    expect(committed).toEqual({ location: `s3://${BUCKET}/${KEY}`, bytes: input.bytes.length, sha256: sha256(input.bytes) });
    expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
    expect(store.maxInFlight()).toBe(2);
    expect(store.partMemory.size).toBe(3);
    expect(store.changedWhileSent).toEqual([]);
    expect([...store.partSizes.values()]).toEqual([...Array(12).fill(PART), 1234]);
  });

  it('sends up to queueSize parts at once and never more, in as many buffers as queueSize + 1', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, queueSize: 3 });
    const input = source(9 * PART + 17);
    await pipeline(input.stream, sink.writable);
    await sink.commit();
    expect(store.maxInFlight()).toBe(3);
    expect(store.partMemory.size).toBeLessThanOrEqual(4);
    expect(store.changedWhileSent).toEqual([]);
    expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
  });

  it('a part that fails every attempt stops the writer with the store\'s error, and the upload is aborted once no part is in flight', async () => {
    const store = stubStore({ failPart: 3 });
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, queueSize: 2 });
    const input = source(16 * PART);
    await expect(pipeline(input.stream, sink.writable)).rejects.toMatchObject({
      code: 'OUTPUT_NOT_WRITABLE',
      message: `cannot upload to s3://${BUCKET}/${KEY}: SlowDown (HTTP 503)`,
    });
    await expect(sink.commit()).rejects.toThrow('SlowDown');
    await sink.abort().catch(() => undefined);
    expect(input.read()).toBeLessThan(8 * PART);
    const calls = names(store);
    expect(calls.filter((name) => name === 'AbortMultipartUpload')).toHaveLength(1);
    expect(calls).not.toContain('CompleteMultipartUpload');
    expect(calls).not.toContain('PutObject');
    expect(calls.at(-1)).toBe('AbortMultipartUpload');
    expect(store.inFlight()).toBe(0);
    expect(store.objects.size).toBe(0);
  });

  it('an empty archive is one PutObject of 0 bytes at commit', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART });
    sink.writable.end();
    expect(await sink.commit()).toEqual({ location: `s3://${BUCKET}/${KEY}`, bytes: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(names(store)).toEqual(['PutObject', 'HeadObject', 'PutObject']);
    expect(store.objects.get(KEY)!.length).toBe(0);
  });

  it('an archive of exactly one part is one PutObject, sent only at commit', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART });
    const input = source(PART);
    await pipeline(input.stream, sink.writable);
    await tick();
    expect(store.calls).toEqual([]);
    await sink.commit();
    expect(names(store)).toEqual(['PutObject', 'HeadObject', 'PutObject']);
    expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
  });

  it('one byte more than a part makes a multipart upload of a full part and a 1-byte last part', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART });
    const input = source(PART + 1);
    await pipeline(input.stream, sink.writable);
    await sink.commit();
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload', 'HeadObject', 'PutObject']);
    expect([...store.partSizes.entries()].sort()).toEqual([
      [1, PART],
      [2, 1],
    ]);
    expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
  });

  it('an archive of exactly two parts sends two full parts at commit and no empty third one', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART });
    const input = source(2 * PART);
    await pipeline(input.stream, sink.writable);
    await tick();
    // The first part went once a byte after it came; the second, maybe the last, waits for commit.
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart']);
    await sink.commit();
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload', 'HeadObject', 'PutObject']);
    expect(store.calls.find((call) => call.name === 'CompleteMultipartUploadCommand')!.input['MultipartUpload']).toEqual({
      Parts: [
        { PartNumber: 1, ETag: '"etag-1"' },
        { PartNumber: 2, ETag: '"etag-2"' },
      ],
    });
    expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
  });

  it('cuts a chunk larger than several parts into parts, waiting for a free slot between them', async () => {
    const store = stubStore();
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, queueSize: 1 });
    const bytes = randomBytes(3 * PART + 99);
    await pipeline(Readable.from([bytes]), sink.writable);
    await sink.commit();
    expect([...store.partSizes.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART],
      [4, 99],
    ]);
    expect(store.maxInFlight()).toBe(1);
    expect(store.partMemory.size).toBeLessThanOrEqual(2);
    expect(store.objects.get(KEY)!.equals(bytes)).toBe(true);
  });

  it('the byte that overflows partSize × maxParts fails the writer at once, before another part goes, and the upload is aborted', async () => {
    const store = stubStore({ gated: true });
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, maxParts: 2, queueSize: 4 });
    const input = source(2 * PART + 1);
    const outcome = expect(pipeline(input.stream, sink.writable)).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', message: expect.stringContaining('outgrew its upload: 2 parts of 5.0 MiB') });
    // Part 1 is in flight and unanswered: the failure does not wait for the store.
    await store.waiting(1);
    await outcome;
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart']);
    const aborting = sink.abort();
    store.release();
    await aborting;
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart', 'AbortMultipartUpload']);
  });

  it('sends storage class and encryption on CreateMultipartUpload only; with a client that adds checksums, declares CRC32 and lists the parts\' checksums', async () => {
    const store = stubStore({ checksums: 'WHEN_SUPPORTED' });
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, storageClass: 'STANDARD_IA', sse: 'aws:kms', kmsKeyId: 'k1' });
    await pipeline(source(PART + 10).stream, sink.writable);
    await sink.commit();
    const input = (name: string) => store.calls.filter((call) => call.name === `${name}Command`).map((call) => call.input);
    expect(input('CreateMultipartUpload')).toEqual([{ Bucket: BUCKET, Key: KEY, StorageClass: 'STANDARD_IA', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'k1', ChecksumAlgorithm: 'CRC32' }]);
    for (const part of input('UploadPart')) expect(Object.keys(part).sort()).toEqual(['Body', 'Bucket', 'ContentLength', 'Key', 'PartNumber', 'UploadId']);
    expect(input('CompleteMultipartUpload')[0]!['MultipartUpload']).toEqual({
      Parts: [
        { PartNumber: 1, ETag: '"etag-1"', ChecksumCRC32: 'crc-1' },
        { PartNumber: 2, ETag: '"etag-2"', ChecksumCRC32: 'crc-2' },
      ],
    });
  });

  // Node 20 holds at most 4 GiB in one Buffer (S3 allows 5 GiB parts); Node 22+ holds more.
  (constants.MAX_LENGTH < 5 * 1024 * MiB ? it : it.skip)('refuses a part size larger than one Buffer can be (parts are held in buffers), before anything is allocated or sent', async () => {
    const store = stubStore();
    await expect(S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: 5 * 1024 * MiB })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('S3 part size 5.0 GiB is more than one buffer can hold here'),
    });
    expect(store.calls).toEqual([]);
  });

  it('an abort while parts are in flight waits for their answers, then aborts the upload; the writer gets the reason', async () => {
    const store = stubStore({ gated: true });
    const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: PART, queueSize: 2 });
    const piping = pipeline(source(10 * PART).stream, sink.writable);
    const outcome = expect(piping).rejects.toThrow('SIGTERM');
    await store.waiting(2);
    let aborted = false;
    const aborting = sink.abort(new Error('SIGTERM')).then(() => (aborted = true));
    await tick();
    expect(aborted).toBe(false);
    expect(names(store)).not.toContain('AbortMultipartUpload');
    store.release();
    store.release();
    await aborting;
    await outcome;
    expect(names(store)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'AbortMultipartUpload']);
  });

  describe('flush (a streamed entry ended)', () => {
    const BIG = 8 * MiB;
    /** Writes `bytes` into the sink without ending it, and waits until the sink took them. */
    const write = async (sink: S3Sink, bytes: Buffer) => {
      for (let at = 0; at < bytes.length; at += 64 * 1024) {
        if (!sink.writable.write(bytes.subarray(at, at + 64 * 1024))) await new Promise((resolve) => sink.writable.once('drain', resolve));
      }
      await tick(10);
    };

    it('sends the part being filled short once it holds 5 MiB, so that only the small rest goes at commit, and the object is whole', async () => {
      const store = stubStore();
      const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: BIG, unevenParts: true });
      const bytes = randomBytes(BIG + 6 * MiB + 3000);
      await write(sink, bytes.subarray(0, BIG + 6 * MiB));
      await until(() => store.partSizes.size === 1);
      sink.flush();
      await until(() => store.partSizes.size === 2);
      // Part 1 full, part 2 short (6 MiB), sent before commit.
      expect([...store.partSizes.values()]).toEqual([BIG, 6 * MiB]);
      await write(sink, bytes.subarray(BIG + 6 * MiB));
      const committed = await sink.commit();
      expect([...store.partSizes.values()]).toEqual([BIG, 6 * MiB, 3000]);
      expect(committed).toEqual({ location: `s3://${BUCKET}/${KEY}`, bytes: bytes.length, sha256: sha256(bytes) });
      expect(store.objects.get(KEY)!.equals(bytes)).toBe(true);
    });

    it('sends nothing while the part holds less than 5 MiB, nor for a store that wants parts of one size (R2), nor after the writer ended', async () => {
      for (const { unevenParts, held } of [
        { unevenParts: true, held: 5 * MiB - 1 },
        { unevenParts: false, held: 6 * MiB },
      ]) {
        const store = stubStore();
        const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: BIG, unevenParts });
        const bytes = randomBytes(held);
        await write(sink, bytes);
        sink.flush();
        await tick(30);
        expect(store.partSizes.size).toBe(0);
        await sink.commit();
        // One PutObject: the archive was smaller than one part.
        expect(names(store)).toEqual(['PutObject', 'HeadObject', 'PutObject']);
        expect(store.objects.get(KEY)!.equals(bytes)).toBe(true);
      }
    });

    it('keeps room for the archive: short parts cost 1% of partSize × maxParts at most, and none takes the last part\'s place', async () => {
      const store = stubStore();
      // 3 parts of 8 MiB: 1% is ~0.24 MiB, less than any short part leaves unused.
      const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: BIG, maxParts: 3, unevenParts: true });
      const bytes = randomBytes(BIG + 6 * MiB);
      await write(sink, bytes);
      await until(() => store.partSizes.size === 1);
      sink.flush();
      await tick(50);
      expect([...store.partSizes.values()]).toEqual([BIG]);
      await sink.commit();
      expect(store.objects.get(KEY)!.equals(bytes)).toBe(true);
    });

    it('a flush racing the writer and the commit sends every byte once, in order', async () => {
      const store = stubStore();
      const sink = await S3Sink.open({ client: store.client, bucket: BUCKET, key: KEY, partSize: BIG, queueSize: 2, unevenParts: true });
      const input = source(5 * BIG + 7 * MiB);
      // A chunk per turn of the event loop, as a pipe delivers them: the writer is idle between chunks at times.
      const paced = input.stream.pipe(new PassThrough({ highWaterMark: 64 * 1024 }));
      const piping = pipeline(paced, new Transform({ transform: (chunk, _encoding, callback) => setImmediate(() => callback(null, chunk)) }), sink.writable);
      // Flushes at random moments while the bytes flow.
      const flushing = (async () => {
        while (input.read() < 5 * BIG + 7 * MiB) {
          sink.flush();
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await piping;
      await flushing;
      sink.flush();
      const committed = await sink.commit();
      expect(committed.sha256).toBe(sha256(input.bytes));
      expect(store.objects.get(KEY)!.equals(input.bytes)).toBe(true);
      const sizes = [...store.partSizes.entries()].sort(([a], [b]) => a - b).map(([, size]) => size);
      // Some flushes sent a part short; every part but the last holds S3's minimum at least.
      expect(sizes.slice(0, -1).some((size) => size < BIG)).toBe(true);
      expect(sizes.slice(0, -1).every((size) => size >= 5 * MiB)).toBe(true);
      expect(store.changedWhileSent).toEqual([]);
    });
  });
});
