// How pgbak's S3 clients are set up, read from the command's environment. Free of the AWS
// SDK (types aside), so that a run checks these settings before it starts pg_dump, while
// the SDK itself loads only once the archive's first bytes are on their way.
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { PgbakError } from '../errors.js';

export interface S3ClientOptions {
  /** AWS region (a custom endpoint still needs one for signing; most accept any, such as `us-east-1`). */
  region: string;
  /** A custom endpoint (MinIO, Ceph, R2, B2…); absent: AWS, or what `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` say (the SDK reads them). */
  endpoint?: string;
  /** Bucket in the path rather than the host name; defaults to true with a custom endpoint. */
  forcePathStyle?: boolean;
  /**
   * Attempts per request, the first included, for transient failures (5xx, SlowDown,
   * timeouts, resets); default 5 (DEFAULT_MAX_ATTEMPTS in s3/client.ts). Each part of a multipart
   * upload is one request, retried on its own.
   */
  maxAttempts?: number;
  /** The SDK's retry mode: `standard` (exponential backoff with jitter, the default) or `adaptive` (also rate-limits the client after throttling). */
  retryMode?: 'standard' | 'adaptive';
  /** Milliseconds to open a connection before the attempt is given up; default 10 s (DEFAULT_CONNECT_TIMEOUT_MS in s3/client.ts). */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a request may go without a byte sent or received before the attempt is
   * given up (and retried); default 60 s (DEFAULT_IDLE_TIMEOUT_MS in s3/client.ts). An idle limit, not a
   * total one: a large part on a slow link takes as long as it takes while bytes flow.
   */
  idleTimeoutMs?: number;
  /**
   * Only for tests and embedders: explicit credentials. Absent (always, from profiles):
   * the SDK's default chain (environment, shared config and credentials files, web identity, instance metadata).
   */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * Client options from the command's loaded environment (the env file included), as the
 * AWS SDK would read them: `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_REGION`/
 * `AWS_DEFAULT_REGION` (default us-east-1), `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, and
 * `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` when both keys are set
 * (otherwise the SDK's default credential chain); and pgbak's own timeouts,
 * `PGBAK_S3_CONNECT_TIMEOUT` and `PGBAK_S3_TIMEOUT` (seconds). The SDK itself would read
 * the AWS_ retry variables from the process environment only, missing an env file.
 * A malformed value is a CONFIG_INVALID error naming the variable.
 */
export function s3ClientOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): S3ClientOptions {
  const endpoint = env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'] || undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  const maxAttempts = numberFrom(env, 'AWS_MAX_ATTEMPTS', { integer: true, min: 1, max: 100 });
  const retryMode = retryModeFrom(env);
  const connectTimeout = numberFrom(env, 'PGBAK_S3_CONNECT_TIMEOUT', { integer: false, min: 0.01, max: 3600 });
  const idleTimeout = numberFrom(env, 'PGBAK_S3_TIMEOUT', { integer: false, min: 0.01, max: 86_400 });
  return {
    region: env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || 'us-east-1',
    ...(endpoint !== undefined && { endpoint }),
    ...(maxAttempts !== undefined && { maxAttempts }),
    ...(retryMode !== undefined && { retryMode }),
    ...(connectTimeout !== undefined && { connectTimeoutMs: Math.round(connectTimeout * 1000) }),
    ...(idleTimeout !== undefined && { idleTimeoutMs: Math.round(idleTimeout * 1000) }),
    ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) } }),
  };
}

function numberFrom(env: Readonly<Record<string, string | undefined>>, name: string, range: { integer: boolean; min: number; max: number }): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || (range.integer && !Number.isInteger(value)) || value < range.min || value > range.max) {
    const what = range.integer ? `a whole number from ${range.min} to ${range.max}` : `a number of seconds from ${range.min} to ${range.max}`;
    throw new PgbakError('CONFIG_INVALID', `${name} must be ${what}, got "${env[name]}"`, { hint: `fix or unset ${name} (environment or env file)` });
  }
  return value;
}

function retryModeFrom(env: Readonly<Record<string, string | undefined>>): 'standard' | 'adaptive' | undefined {
  const text = env['AWS_RETRY_MODE']?.trim();
  if (!text) return undefined;
  if (text === 'standard' || text === 'adaptive') return text;
  throw new PgbakError('CONFIG_INVALID', `AWS_RETRY_MODE must be standard or adaptive, got "${text}"`, { hint: 'fix or unset AWS_RETRY_MODE (environment or env file)' });
}
