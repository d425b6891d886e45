export { dumpNative, type NativeDumpOptions, type NativeDumpResult } from './dump-native.js';
export type { NativeDumpKind } from './select-entries.js';
export { dumpCompleteFooter } from './header.js';
export { beginDumpTransaction, configureDumpSession } from './session-setup.js';
export { orderEntries, type OrderResult } from './order.js';
export { readDependencies, type DependencyGraph } from './dependencies.js';
export type { CatalogReader, EntryKind, ObjectRef, ReadOptions, Section, TocEntry } from './toc.js';
export { nativeEngine } from './engine.js';
export { loadSql, SqlScriptError, type LoaderClient } from './load/index.js';
