// Child-process helpers shared by the engines and restore: following a tool's
// stderr, classifying how it failed, and who owns what a process leaves behind.
export { explainingLine, followStderr, isVerboseChatter, type StderrHandlers } from './stderr-tail.js';
export { classifyFailure, describeExit, stepFailed, type StepFailureDetails } from './classify-failure.js';
export {
  createOwnedTempDir,
  OWNER_FILE,
  currentOwner,
  isOwnerGone,
  ownerState,
  parseOwner,
  readDirOwner,
  type OwnerState,
  type ProcessOwner,
} from './owner.js';
