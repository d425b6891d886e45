import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PgbakError } from '../../errors.js';
import { describeS3Error, s3Failed } from './s3-error.js';

/**
 * Writes a small object (a `.verified.json` record, a checksum file, a run log) in one
 * PutObject: S3 makes it appear whole or not at all, so no temp name is needed. `signal`
 * stops it (and its retries).
 */
export async function putSmallObject(client: S3Client, bucket: string, key: string, body: string, contentType = 'application/json', signal?: AbortSignal): Promise<void> {
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }), signal ? { abortSignal: signal } : {});
  } catch (error) {
    throw s3Failed('write', `s3://${bucket}/${key}`, error);
  }
}

/**
 * Reads a small object as UTF-8 text, or null when there is none. Refuses one larger
 * than `maxBytes` (a record is a few kilobytes; anything bigger is not ours).
 */
export async function getSmallObject(client: S3Client, bucket: string, key: string, maxBytes = 1024 * 1024): Promise<string | null> {
  const location = `s3://${bucket}/${key}`;
  try {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (answer.ContentLength !== undefined && answer.ContentLength > maxBytes) {
      (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new PgbakError('ARCHIVE_INVALID', `${location} is ${answer.ContentLength} bytes, more than the ${maxBytes} expected`);
    }
    return (await answer.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    if (error instanceof PgbakError) throw error;
    const { code, status } = describeS3Error(error);
    if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) return null;
    throw s3Failed('read', location, error);
  }
}
