import { PgbakError } from '../../errors.js';

const hints: Record<string, string> = {
  NoSuchBucket: 'Create the bucket, or correct its name, region and endpoint',
  AccessDenied: 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and that their policy allows s3:PutObject and s3:AbortMultipartUpload on this bucket',
  InvalidAccessKeyId: 'Check the credentials the AWS SDK finds (AWS_PROFILE, AWS_ACCESS_KEY_ID…)',
  SignatureDoesNotMatch: 'Check the secret key and the region the AWS SDK uses',
  PermanentRedirect: 'The bucket is in another region: set the region (or the endpoint) to the bucket\'s',
};
const transient = (tries: string) =>
  `The storage is overloaded or unavailable (${tries}). Try again later, lower the upload concurrency, or allow more attempts (AWS_MAX_ATTEMPTS)`;
const network = (tries: string) => `Check the endpoint, the network, and that the storage is up (${tries})`;
const timeout = (tries: string) =>
  `The storage stopped answering (${tries}); check that it is up and reachable, or allow it more time (PGBAK_S3_TIMEOUT, seconds of silence; PGBAK_S3_CONNECT_TIMEOUT)`;

/** What the SDK's exception says: the provider's error code and the HTTP status. */
export function describeS3Error(error: unknown): { code: string; status?: number; attempts?: number } {
  const e = error as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  const attempts = e?.$metadata?.attempts;
  const code = e?.Code ?? (e?.name && e.name !== 'Error' ? e.name : undefined) ?? e?.code ?? 'UnknownError';
  return { code, ...(status !== undefined && { status }), ...(attempts !== undefined && { attempts }) };
}

/**
 * The error every S3 failure of an archive turns into: one line naming where, the
 * provider's error code and HTTP status, and a hint.
 */
export function s3Failed(action: string, location: string, cause: unknown, hint?: string): PgbakError {
  if (cause instanceof PgbakError) return cause;
  const { code, status, attempts } = describeS3Error(cause);
  const tries = attempts === undefined || attempts > 1 ? `${attempts ?? 'several'} attempts, retried with backoff` : '1 attempt: AWS_MAX_ATTEMPTS=1 allows no retry';
  hint ??=
    hints[code] ??
    (code === 'TimeoutError'
      ? timeout(tries)
      : status !== undefined && (status >= 500 || status === 429)
        ? transient(tries)
        : status === undefined
          ? network(tries)
          : undefined);
  // The HTTP handler's messages start with its package name: noise for an operator.
  const message = cause instanceof Error ? cause.message.replace(/^@smithy\/[\w-]+ - /, '') : '';
  const detail = status !== undefined ? `${code} (HTTP ${status})` : `${code}${message && message !== code ? `: ${message}` : ''}`;
  return new PgbakError('OUTPUT_NOT_WRITABLE', `cannot ${action} ${location}: ${detail}`, { hint, cause });
}
