import { dataFilesNeeded } from '../../../lib/restore/entries-read.js';

// What `pg_restore --list` prints for a directory dump (PostgreSQL 15).
const listing = [
  ';',
  '; Archive created at 2026-12-04 23:00:00 UTC',
  ';',
  '215; 1259 16385 TABLE public big postgres',
  '216; 1259 16391 TABLE public small postgres',
  '217; 1259 16397 TABLE billing small postgres',
  '218; 1259 16400 TABLE public Order Items postgres',
  '3350; 0 16385 TABLE DATA public big postgres',
  '3351; 0 16391 TABLE DATA public small postgres',
  '3352; 0 16397 TABLE DATA billing small postgres',
  '3353; 0 16400 TABLE DATA public Order Items postgres',
  '3354; 0 16405 TABLE DATA public no_owner ',
  '3355; 0 0 BLOBS - BLOBS ',
].join('\n');

describe('dataFilesNeeded', () => {
  it('keeps the data of a table named by --table in every schema, as pg_restore selects it', () => {
    expect(dataFilesNeeded(listing, { tables: ['small'], schemas: [], schemaOnly: false })).toEqual(new Set(['3351', '3352']));
  });

  it('narrows --table by --schema', () => {
    expect(dataFilesNeeded(listing, { tables: ['small'], schemas: ['billing'], schemaOnly: false })).toEqual(new Set(['3352']));
  });

  it('keeps every table of a --schema', () => {
    expect(dataFilesNeeded(listing, { tables: [], schemas: ['public'], schemaOnly: false })).toEqual(new Set(['3350', '3351', '3353', '3354']));
  });

  it('reads names with spaces and dumps without owners', () => {
    expect(dataFilesNeeded(listing, { tables: ['Order Items', 'no_owner'], schemas: [], schemaOnly: false })).toEqual(new Set(['3353', '3354']));
  });

  it('keeps no data file for --schema-only', () => {
    expect(dataFilesNeeded(listing, { tables: ['small'], schemas: [], schemaOnly: true })).toEqual(new Set());
  });
});
