import { PgbakError } from '../../errors.js';

const hints: Record<string, string> = {
  NoSuchBucket: 'Create the bucket, or correct its name, region and endpoint',
  AccessDenied: 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and that their policy allows s3:PutObject and s3:AbortMultipartUpload on this bucket',
  InvalidAccessKeyId: 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…)',
  SignatureDoesNotMatch: 'Check the secret key and the region the AWS SDK uses',
  PermanentRedirect: 'The bucket is in another region: set the region (or the endpoint) to the bucket\'s',
};
const transient = 'The storage is overloaded or unavailable; the SDK retried with backoff. Try again later, or lower the upload concurrency';
const network = 'Check the endpoint, the network, and that the storage is up';

/** What the SDK's exception says: the provider's error code and the HTTP status. */
export function describeS3Error(error: unknown): { code: string; status?: number } {
  const e = error as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  const code = e?.Code ?? (e?.name && e.name !== 'Error' ? e.name : undefined) ?? e?.code ?? 'UnknownError';
  return status === undefined ? { code } : { code, status };
}

/**
 * The error every S3 failure of an archive turns into: one line naming where, the
 * provider's error code and HTTP status, and a hint.
 */
export function s3Failed(action: string, location: string, cause: unknown, hint?: string): PgbakError {
  if (cause instanceof PgbakError) return cause;
  const { code, status } = describeS3Error(cause);
  hint ??=
    hints[code] ??
    (status !== undefined && (status >= 500 || status === 429) ? transient : status === undefined ? network : undefined);
  const detail = status !== undefined ? `${code} (HTTP ${status})` : `${code}${cause instanceof Error && cause.message && cause.message !== code ? `: ${cause.message}` : ''}`;
  return new PgbakError('OUTPUT_NOT_WRITABLE', `cannot ${action} ${location}: ${detail}`, { hint, cause });
}
