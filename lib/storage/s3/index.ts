// S3 and S3-compatible object storage. Import this module lazily (`await import()`), only
// when S3 storage is configured: it loads the AWS SDK.
export { S3Sink, type S3SinkOptions } from './s3-sink.js';
export { S3Source, parseS3Url } from './s3-source.js';
export { createS3Client, s3ClientOptionsFromEnv, type S3ClientOptions } from './client.js';
export { describeS3Error, s3Failed } from './s3-error.js';
export { putSmallObject, getSmallObject } from './s3-objects.js';
export { S3Repository, parseS3Prefix } from './s3-repository.js';
