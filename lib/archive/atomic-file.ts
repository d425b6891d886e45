import { ensurePrivateDirectory } from '../private-fs.js';

export { createPrivateFile, isAlreadyThere, isTaken, removeIfPresent, syncDirectory } from '../private-fs.js';

/** `mkdir -p`, every folder it creates 0700. */
export const ensureDirectory = ensurePrivateDirectory;
