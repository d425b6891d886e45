import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { PgbakError } from '../../errors.js';

export interface S3ClientOptions {
  /** AWS region (a custom endpoint still needs one for signing; most accept any, such as `us-east-1`). */
  region: string;
  /** A custom endpoint (MinIO, Ceph, R2, B2…); absent: AWS, or what `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` say (the SDK reads them). */
  endpoint?: string;
  /** Bucket in the path rather than the host name; defaults to true with a custom endpoint. */
  forcePathStyle?: boolean;
  /**
   * Attempts per request, the first included, for transient failures (5xx, SlowDown,
   * timeouts, resets); default {@link DEFAULT_MAX_ATTEMPTS}. Each part of a multipart
   * upload is one request, retried on its own.
   */
  maxAttempts?: number;
  /** The SDK's retry mode: `standard` (exponential backoff with jitter, the default) or `adaptive` (also rate-limits the client after throttling). */
  retryMode?: 'standard' | 'adaptive';
  /** Milliseconds to open a connection before the attempt is given up; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a request may go without a byte sent or received before the attempt is
   * given up (and retried); default {@link DEFAULT_IDLE_TIMEOUT_MS}. An idle limit, not a
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
 * Five attempts rather than the SDK's three: a nightly backup that streams for an hour
 * should not fail on one second of 503s; with backoff (0.1 s doubling, jittered, 20 s at
 * most) the attempts span a few seconds for errors, a few minutes for a store that hangs.
 */
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** S3 keeps a slow CompleteMultipartUpload alive with whitespace; a minute of silence is a hung store. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * The S3 client every S3 sink and reader gets injected. Checksums only "when required":
 * current SDKs otherwise add CRC32 checksums to every upload, which R2, B2, GCS's S3 layer
 * and older MinIO reject, and which some servers store inside the object (aws-chunked
 * trailers), so the stored bytes would differ from the archive's. Every request is
 * bounded in time (connect and idle timeouts) and retried with backoff a bounded number
 * of times: a hung or failing store fails the run, never hangs it.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    retryMode: options.retryMode ?? 'standard',
    // NodeHttpHandler's options: `socketTimeout` is its idle limit (its `requestTimeout`
    // bounds a whole request, which a large part on a slow link may rightly exceed).
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      socketTimeout: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    },
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  sendUploadsUnsignedOverHttps(client);
  sendPartsWithoutExpectContinue(client);
  return client;
}

/**
 * Parts go without `Expect: 100-continue`. The SDK adds it to every body of 2 MiB or more,
 * and its HTTP handler sends such a request on a connection of its own, opened for it and
 * closed after it (no keep-alive): each part paid a new TCP connection (and TLS handshake),
 * TCP's slow start over again, and a round trip for the "100 Continue" before its first byte.
 * Against a store 20 ms away over HTTPS, 8 MiB parts took ~0.28 s each with it and ~0.17 s
 * without (BENCHMARKS.md, s3lean). What the header guards against, a store that refuses the
 * request on its headers alone (a wrong bucket, credentials or permissions) after the body
 * was sent for nothing, cannot happen first to a part: CreateMultipartUpload, which has no
 * body, went to the same bucket and key with the same credentials, and its refusal fails the
 * upload before any part is sent. A PutObject (an archive smaller than one part) keeps the
 * header: it is the first request the store sees.
 */
function sendPartsWithoutExpectContinue(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (context.commandName === 'UploadPartCommand' && request.headers) {
        delete request.headers['Expect'];
        delete request.headers['expect'];
      }
      return next(args);
    },
    // In the build step after the SDK's addExpectContinueMiddleware (priority "normal"), which sets it.
    { step: 'build', priority: 'low', name: 'pgbakPartsWithoutExpectContinue' },
  );
}

/** The commands whose bodies are the archive's bytes (its parts, a small archive, a checksum file, a record). */
const UPLOADS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * Over HTTPS, an upload's body is sent as UNSIGNED-PAYLOAD: Signature V4 otherwise hashes
 * every body (sha256, `x-amz-content-sha256`) to sign it — a second sha256 of every byte of
 * the archive, beside the one the sink computes for `<key>.sha256` (about 0.6 CPU-s per GiB;
 * BENCHMARKS.md, s3cpu). TLS already keeps the bytes from being changed on the way, the
 * size is checked after the upload, and the headers stay signed. S3 and the compatible
 * stores accept it over HTTPS; AWS's Java SDK (AWS4UnsignedPayloadSigner) and botocore do
 * the same. Over plain HTTP the payload stays signed: nothing else protects it there.
 */
function sendUploadsUnsignedOverHttps(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { protocol?: string; headers?: Record<string, string> };
      if (request.protocol === 'https:' && request.headers && UPLOADS.has(context.commandName ?? '')) {
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    // After the request is serialized for its endpoint (the protocol is known), before it is signed.
    { step: 'build', name: 'pgbakUnsignedPayloadOverHttps' },
  );
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
