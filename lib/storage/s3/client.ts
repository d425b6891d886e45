import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** AWS region (a custom endpoint still needs one for signing; most accept any, such as `us-east-1`). */
  region: string;
  /** A custom endpoint (MinIO, Ceph, R2, B2…); absent: AWS, or what `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` say (the SDK reads them). */
  endpoint?: string;
  /** Bucket in the path rather than the host name; defaults to true with a custom endpoint. */
  forcePathStyle?: boolean;
  /** Attempts per request, the first included, for transient failures (5xx, SlowDown, resets); SDK default 3. */
  maxAttempts?: number;
  /**
   * Only for tests and embedders: explicit credentials. Absent (always, from profiles):
   * the SDK's default chain (environment, shared config and credentials files, web identity, instance metadata).
   */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * The S3 client every S3 sink and reader gets injected. Checksums only "when required":
 * current SDKs otherwise add CRC32 checksums to every upload, which R2, B2, GCS's S3 layer
 * and older MinIO reject, and which some servers store inside the object (aws-chunked
 * trailers), so the stored bytes would differ from the archive's.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Client options from the command's loaded environment (the env file included), as the
 * AWS SDK would read them: `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_REGION`/
 * `AWS_DEFAULT_REGION` (default us-east-1), and `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
 * `AWS_SESSION_TOKEN` when both keys are set; otherwise the SDK's default credential chain.
 */
export function s3ClientOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): S3ClientOptions {
  const endpoint = env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'] || undefined;
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  const sessionToken = env['AWS_SESSION_TOKEN'];
  return {
    region: env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || 'us-east-1',
    ...(endpoint !== undefined && { endpoint }),
    ...(accessKeyId && secretAccessKey && { credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) } }),
  };
}
