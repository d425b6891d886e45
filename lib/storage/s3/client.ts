import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientOptions } from '../s3-client-options.js';

export { s3ClientOptionsFromEnv, type S3ClientOptions } from '../s3-client-options.js';

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

