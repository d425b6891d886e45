export { restoreArchive } from './restore-archive.js';
export { verifyArchive, type VerifyOptions, type VerifyResult, type VerifiedDatabase } from './verify-archive.js';
export { listArchive, type ArchiveListing } from './list-archive.js';
export { verifiedRecordPath, type VerifiedRecord } from './verified-record.js';
export type { Mismatch, StepChecks } from './compare-facts.js';
export type { RestoreOptions, RestoreSummary, RestoredItem, RestoreCommand } from './types.js';
