export * from './types.js';
export { parseToolVersion, parseServerVersionNum, formatVersion } from './version.js';
export { discoverTools, type DiscoverToolsOptions } from './discover.js';
export { selectTool, type SelectToolOptions } from './select.js';
export { clientFloor, selectToolFor, tooOld, type ClientFloor, type ClientSettings } from './client-floor.js';
export { runVersion, type RunVersion, type VersionProbe } from './run-version.js';
export { createNodeToolFs, type ToolFs, type PathKind } from './tool-fs.js';
export { POSIX_INSTALL_DIRS, WINDOWS_INSTALL_DIRS } from './candidate-dirs.js';
export { describeInstall } from './install-hint.js';
