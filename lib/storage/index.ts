// Where archives live. Knows nothing about PostgreSQL or zips: archive/ writes into an
// ArchiveSink it is given, never the other way round. A local folder today; an S3
// multipart upload implements the same contract (see sink.ts for what it must honour).
export type { ArchiveSink, CommittedArchive } from './sink.js';
export { LocalFileSink } from './local/file-sink.js';
export { TeeSink } from './tee-sink.js';
export { describeFsError, isOutputFailure, outputNotWritable } from './output-error.js';
export { S3Sink, type S3SinkOptions } from './s3/s3-sink.js';
export { createS3Client, type S3ClientOptions } from './s3/client.js';
export { describeS3Error, s3Failed } from './s3/s3-error.js';
