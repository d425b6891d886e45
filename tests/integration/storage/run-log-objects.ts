// What a run leaves in a bucket beside (or instead of) its zip: `<name>.log`, its run log.
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { FAILURE_CODE_KEY, FAILURE_PREFIX, RUN_RECORD_KEY } from '../../../lib/retention/index.js';

/** Every key under `prefix` (ListObjects v1: s3rver's v2 paging fails past page 1), sorted. */
export async function keysIn(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, ...(marker && { Marker: marker }) }));
    const found = (page.Contents ?? []).map((object) => object.Key!);
    keys.push(...found);
    if (!page.IsTruncated || found.length === 0) return keys.sort();
    marker = found[found.length - 1];
  }
}

/** A run log object read back: its JSON-lines records. */
export async function readRunLogObject(client: S3Client, bucket: string, key: string): Promise<Array<Record<string, unknown>>> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await answer.Body!.transformToString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * After a failed run, the only object under `prefix` is its run log (no zip, no `.sha256`):
 * it starts with the run record and ends with the failure record, whose error code it
 * returns with the message.
 */
export async function expectOnlyFailureLog(client: S3Client, bucket: string, prefix: string): Promise<{ key: string; code: unknown; message: string }> {
  const keys = await keysIn(client, bucket, prefix);
  expect(keys).toEqual([expect.stringMatching(/\.log$/)]);
  const records = await readRunLogObject(client, bucket, keys[0]!);
  expect(records[0]).toHaveProperty(RUN_RECORD_KEY);
  expect((records[0]![RUN_RECORD_KEY] as { archive: string }).archive).toBe(keys[0]!.slice(prefix.length).replace(/\.log$/, '.zip'));
  const failure = records.filter((record) => String(record.message).startsWith(FAILURE_PREFIX)).pop();
  expect(failure).toBeDefined();
  return { key: keys[0]!, code: failure![FAILURE_CODE_KEY], message: String(failure!.message).slice(FAILURE_PREFIX.length) };
}
