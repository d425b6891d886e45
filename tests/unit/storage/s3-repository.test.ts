// S3Repository's paging and per-key results with a stub client: the test server
// (s3rver) cannot page ListObjectsV2 on this Node (its continuation tokens use DES,
// which OpenSSL 3 refuses) nor refuse single keys of a DeleteObjects.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseS3Prefix, S3Repository } from '../../../lib/storage/s3/index.js';

type Sent = { name: string; input: Record<string, unknown> };

function stubClient(answer: (command: Sent) => unknown): { client: S3Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
      const call = { name: command.constructor.name, input: command.input };
      sent.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    },
    destroy: () => undefined,
  } as unknown as S3Client;
  return { client, sent };
}

describe('S3Repository', () => {
  it('lists page after page with Delimiter "/" and leaves out the prefix itself and deeper keys', async () => {
    const { client, sent } = stubClient(({ input }) =>
      input.ContinuationToken === undefined
        ? { IsTruncated: true, NextContinuationToken: 'page2', Contents: [{ Key: 'pg/db1/', Size: 0 }, { Key: 'pg/db1/a.zip', Size: 10, LastModified: new Date('2026-01-01T00:00:00Z') }] }
        : { IsTruncated: false, Contents: [{ Key: 'pg/db1/b.zip', Size: 20 }, { Key: 'pg/db1/sub/c.zip', Size: 30 }] },
    );
    const repository = new S3Repository(client, 'backups', 'pg/db1/');
    expect(await repository.list()).toEqual([
      { name: 'a.zip', size: 10, lastModified: new Date('2026-01-01T00:00:00Z'), regular: true },
      { name: 'b.zip', size: 20, lastModified: null, regular: true },
    ]);
    expect(sent.map((call) => call.input)).toEqual([
      { Bucket: 'backups', Prefix: 'pg/db1/', Delimiter: '/' },
      { Bucket: 'backups', Prefix: 'pg/db1/', Delimiter: '/', ContinuationToken: 'page2' },
    ]);
    expect(sent.every((call) => call.name === ListObjectsV2Command.name)).toBe(true);
  });

  it('reports the keys a DeleteObjects refused one by one, and the others as deleted', async () => {
    const { client, sent } = stubClient(() => ({ Errors: [{ Key: 'pg/b.zip', Code: 'AccessDenied', Message: 'Access Denied' }] }));
    const repository = new S3Repository(client, 'backups', 'pg/');
    expect(await repository.deleteMany(['a.zip', 'b.zip'])).toEqual([
      { name: 'a.zip', error: null },
      { name: 'b.zip', error: 'AccessDenied: Access Denied' },
    ]);
    expect(sent[0]!.name).toBe(DeleteObjectsCommand.name);
    expect(sent[0]!.input).toEqual({ Bucket: 'backups', Delete: { Objects: [{ Key: 'pg/a.zip' }, { Key: 'pg/b.zip' }], Quiet: true } });
  });

  it('gives every key of a batch that failed whole its error, and still tries the next batch', async () => {
    let call = 0;
    const { client } = stubClient(() => (++call === 1 ? Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }) : {}));
    const names = Array.from({ length: 1001 }, (_, i) => `k${i}.zip`);
    const outcomes = await new S3Repository(client, 'backups', '').deleteMany(names);
    expect(call).toBe(2);
    expect(outcomes.slice(0, 1000).every((outcome) => outcome.error === 'cannot delete objects in s3://backups/: AccessDenied (HTTP 403)')).toBe(true);
    expect(outcomes[1000]).toEqual({ name: 'k1000.zip', error: null });
  });
});

describe('S3Repository with the real SDK stack', () => {
  it('sends Content-MD5 with DeleteObjects, beside the SDK checksum (stores that want MD5 refuse CRC32 alone)', async () => {
    const seen: Array<{ headers: Record<string, string>; body: unknown }> = [];
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      requestHandler: {
        handle: async (request: { headers: Record<string, string>; body: unknown }) => {
          seen.push({ headers: request.headers, body: request.body });
          return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from('<?xml version="1.0"?><DeleteResult></DeleteResult>')]) } };
        },
      } as never,
    });
    try {
      expect(await new S3Repository(client, 'b', 'p/').deleteMany(['a.zip'])).toEqual([{ name: 'a.zip', error: null }]);
    } finally {
      client.destroy();
    }
    const { headers, body } = seen[0]!;
    expect(typeof body).toBe('string');
    expect(headers['content-md5']).toBe(createHash('md5').update(body as string).digest('base64'));
  });
});

describe('parseS3Prefix', () => {
  it('adds the trailing "/" to a prefix and keeps the root as ""', () => {
    expect(parseS3Prefix('s3://b/pg/db1')).toEqual({ bucket: 'b', prefix: 'pg/db1/' });
    expect(parseS3Prefix('s3://b/pg/')).toEqual({ bucket: 'b', prefix: 'pg/' });
    expect(parseS3Prefix('s3://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(parseS3Prefix('/tmp/x')).toBeNull();
  });
});
