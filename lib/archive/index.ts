export { createHashCounter, HashCounter, type ContentDigest } from './hash-stream.js';
export {
  ZipWriter,
  type EntryInfo,
  type EntryOptions,
  type FinishedArchive,
  type ZipWriterOptions,
} from './zip-writer.js';
export { openZip, openZipSource, ZipReader, type ReadTextOptions, type ZipEntryInfo } from './zip-reader.js';
export { manifestEntries, verifyEntries, type EntryCheck, type ExpectedEntry, type VerifyEntriesOptions } from './verify-entries.js';
export { parseManifest, serializeManifest } from './manifest.js';
export * from './manifest-types.js';
export { describeFsError, isOutputFailure, outputNotWritable } from './output-error.js';
