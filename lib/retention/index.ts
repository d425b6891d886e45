// Which backups to keep: listing the output folder, the retention rule, pruning, status.
export { backupRows, scanBackups, type BackupInfo, type BackupRow, type FailedRun, type IgnoredFile, type RunningRun, type ScanResult } from './scan.js';
export { findNewestBackups, type NewestFilter } from './newest.js';
export { readVerification, verificationPath, type Verification } from './verification.js';
export {
  selectToKeep,
  groupBackups,
  hasRetention,
  describeReasons,
  type KeepReason,
  type KeepRule,
  type RetentionCandidate,
  type RetentionDecision,
} from './select.js';
export { periodKey, isoWeek, type Period } from './periods.js';
export {
  pruneBackups,
  type PolicyChoice,
  type PolicySource,
  type PruneGroup,
  type PruneItem,
  type PruneLogItem,
  type PruneOptions,
  type PruneResult,
} from './prune.js';
export { applyRetention, type ApplyRetentionOptions } from './apply-retention.js';
export { backupStatus, type GroupStatus, type StatusBackup, type StatusOptions, type StatusReport } from './status.js';
export { parseDuration } from './duration.js';
export { formatAge, formatUtc } from './format-time.js';
export { openFolderContext, openRepositoryContext, resolveOutputFolder, type FolderChoice, type FolderContext, type RepositoryContext } from './output-folder.js';
export { profilePolicies } from './profile-policies.js';
export { findLeftovers, removeLeftovers, type Leftover, type LeftoverResult } from './leftovers.js';
export { readRunLog, readRunLogIn, judgeRunLog, FAILURE_CODE_KEY, FAILURE_PREFIX, RUN_RECORD_KEY, type RunLogInfo, type RunRecord, type RunLogState } from './run-logs.js';
