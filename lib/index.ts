// The library entry: the same functions the CLI calls.
export { runProfile, type RunSummary } from './run/run-profile.js';
export { prepareRun, type PreparedRun } from './run/prepare.js';
export type { RunOptions } from './run/options.js';
export { compile, type CompileInput, type CompileFacts } from './plan/compile.js';
export type { Plan, PlanStep } from './plan/types.js';
export { loadProfile, parseProfile, listProfiles, type LoadedProfile } from './config/load-profile.js';
export type { Profile, ProfileStep, StepKind, DumpFormat } from './config/profile-schema.js';
export { resolveConnection } from './config/resolve-connection.js';
export type { Connection } from './config/connection-types.js';
export { discoverTools, selectTool } from './tools/index.js';
export { openZip, parseManifest, verifyEntries, type Manifest } from './archive/index.js';
export { restoreArchive, verifyArchive, listArchive, type RestoreOptions, type RestoreSummary, type VerifyOptions, type VerifyResult, type VerifiedRecord } from './restore/index.js';
export { createLogger, type PgbakLogger } from './log/index.js';
export { scanBackups, selectToKeep, pruneBackups, applyRetention, backupStatus, parseDuration, type BackupInfo, type RetentionDecision, type KeepReason, type PruneResult, type PruneItem, type ApplyRetentionOptions, type StatusReport, type GroupStatus } from './retention/index.js';
export type { RetentionPolicy } from './config/profile-schema.js';
export { PgbakError, ExitCode } from './errors.js';
