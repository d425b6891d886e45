import type { QueryClient } from '../../db/client.js';
import { describePgError } from '../../db/errors.js';
import { PgbakError } from '../../errors.js';
import { quoteIdent } from '../../sql/quote.js';
import type { DumpSink } from './dump-sink.js';

/** Bytes read per lo_get round trip and written per lowrite statement. */
export const largeObjectChunk = 65_536;

/**
 * Writes the contents of large objects as pg_dump's plain format does, each in
 * its own transaction (a descriptor lives only in its transaction, and one
 * transaction over thousands of objects can exhaust the lock table):
 * `BEGIN; SELECT pg_catalog.lo_open('oid', 131072); SELECT pg_catalog.lowrite(0, '\x…'); … lo_close(0); COMMIT;`
 * Read in chunks with lo_get(oid, offset, length): memory holds one chunk.
 * The objects must exist when this runs (their `LARGE OBJECT` entries, pre-data).
 */
export async function writeLargeObjectData(client: QueryClient, oids: readonly number[], sink: DumpSink, role: string): Promise<void> {
  if (oids.length === 0) return;
  await sink.write('--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\n');
  for (const oid of [...oids].sort((a, b) => a - b)) {
    await sink.write(`BEGIN;\n\nSELECT pg_catalog.lo_open('${oid}', 131072);\n`);
    for (let offset = 0; ; offset += largeObjectChunk) {
      const chunk = await readChunk(client, oid, offset, role);
      if (chunk.length > 0) await sink.write(`SELECT pg_catalog.lowrite(0, '\\x${chunk.toString('hex')}');\n`);
      if (chunk.length < largeObjectChunk) break;
    }
    await sink.write('SELECT pg_catalog.lo_close(0);\n\nCOMMIT;\n\n');
  }
  await sink.write('\n');
}

async function readChunk(client: QueryClient, oid: number, offset: number, role: string): Promise<Buffer> {
  try {
    const { rows } = await client.query<{ data: Buffer }>('SELECT pg_catalog.lo_get($1::pg_catalog.oid, $2::int8, $3::int4) AS data', [oid, offset, largeObjectChunk]);
    return rows[0]!.data;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') {
      throw new PgbakError('PRIVILEGES_MISSING', `large object ${oid} is not readable by role "${role}"`, {
        hint: `GRANT SELECT ON LARGE OBJECT ${oid} TO ${quoteIdent(role)}; (or dump as its owner)`,
        cause: error,
      });
    }
    throw describePgError(error, `reading large object ${oid}: `);
  }
}
