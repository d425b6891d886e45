// Where archives live. Knows nothing about PostgreSQL or zips: archive/ writes into an
// ArchiveSink it is given, never the other way round. A local folder today; an S3
// multipart upload implements the same contract (see sink.ts for what it must honour).
export type { ArchiveSink, CommittedArchive } from './sink.js';
export { LocalFileSink } from './local/file-sink.js';
export { TeeSink } from './tee-sink.js';
export { DeferredSink } from './deferred-sink.js';
export { s3ClientOptionsFromEnv, type S3ClientOptions } from './s3-client-options.js';
export { chooseUploadSizes, DEFAULT_PART_SIZE, UPLOAD_MEMORY_BUDGET, type UploadSizes } from './upload-sizes.js';
export { describeFsError, isOutputFailure, outputNotWritable } from './output-error.js';
// S3 (./s3/index.js) is not re-exported here: the AWS SDK is large, and a run without S3
// storage should not load it. Import it where S3 storage is configured, lazily.
export { LocalFileSource, type ArchiveSource } from './source.js';
export { isS3Location, openArchiveSource, parseArchiveLocation } from './open-source.js';
export type { BackupRepository, DeleteOutcome, RepositoryObject } from './repository.js';
export { FolderRepository } from './local/folder-repository.js';
export { openRepository, openS3Repository, s3ClientOptionsFor } from './open-repository.js';
