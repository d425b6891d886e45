export type { ArchiveSink, CommittedArchive } from './sink.js';
export { LocalFileSink } from './local/file-sink.js';
export { TeeSink } from './tee-sink.js';
export { describeFsError, isOutputFailure, outputNotWritable } from './output-error.js';
