// The native catalog's public surface: what modules outside the native engine
// (compare) may use of it. Import this file, never the files behind it; if
// something is missing, export it here.

// Read a database's catalog as ordered entries: session setup, readers, order.
export { inspectCatalog, type InspectCatalogOptions, type InspectedCatalog } from './read-catalog.js';
// The readers and the one loop that runs them (the native dump's first step).
export { catalogReaders } from './readers.js';
export { readCatalog } from './read-catalog.js';
// The table of contents: entry kinds in their tie-break order, and the entry types.
export { entryKinds, type CatalogReader, type EntryKind, type ObjectRef, type ReadOptions, type Section, type TocEntry } from '../toc.js';
// Entry ids and SQL pieces in the form the readers write them.
export { entryId, formatReloptions, userSchema } from './table-sql.js';
export { sequenceOptionLines, type SequenceParts } from './type-sequence-build.js';
// The rows of the table, column and sequence readers, for compare's details: asked through the
// catalog read's sharing client, they cost the server nothing more.
export { readTableRows, type TableRow } from './tables.js';
export type { CatalogPresence } from './presence.js';
export { readColumnRows, readInlineChecks, type ColumnRow } from './table-columns.js';
export { readSequenceRows, type SequenceRow } from './sequences.js';
