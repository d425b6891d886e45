import type { CatalogReader } from '../toc.js';

/**
 * Every catalog reader of the native engine, one per object family. The order
 * here does not matter: the orderer sorts the entries they return.
 */
export const catalogReaders: CatalogReader[] = [];
