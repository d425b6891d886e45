// Feeding scripts to the splitter in chunks of any size, and reading back what it
// found with the COPY data as text.
import { Readable } from 'node:stream';
import { splitSql, type SplitSqlOptions, type SplitStats } from '../../../../lib/sql/script/split-sql.js';

/** A statement, or a COPY block with its data read to the end. */
export type Collected = { type: 'statement'; sql: string; line: number } | { type: 'copy'; sql: string; line: number; dataLine: number; data: string };

/** `input` cut into chunks of `size` bytes (the last may be shorter). */
export function chunked(input: string | Buffer, size: number): Buffer[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

/** A Readable that yields the chunks one by one, exactly as given. */
export function sourceOf(chunks: readonly Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** Everything the splitter yields for `input` fed in chunks of `size` bytes (whole when omitted). */
export async function collect(input: string | Buffer, size?: number, options: SplitSqlOptions = {}): Promise<Collected[]> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const items: Collected[] = [];
  for await (const item of splitSql(sourceOf(chunked(bytes, size ?? Math.max(bytes.length, 1))), options)) {
    if (item.type === 'statement') items.push({ type: 'statement', sql: item.sql, line: item.line });
    else {
      const parts: Buffer[] = [];
      for await (const part of item.data) parts.push(part as Buffer);
      items.push({ type: 'copy', sql: item.sql, line: item.line, dataLine: item.dataLine, data: Buffer.concat(parts).toString('utf8') });
    }
  }
  return items;
}

/** The SQL of each statement (COPY blocks as `sql + data`), for short expectations. */
export async function statements(input: string, size?: number): Promise<string[]> {
  return (await collect(input, size)).map((item) => (item.type === 'copy' ? `${item.sql}\n${item.data}` : item.sql));
}

export function newStats(): SplitStats {
  return { bytesRead: 0, maxBufferedBytes: 0 };
}

/** Chunk sizes every script is fed in: one byte at a time up to all at once. */
export const CHUNK_SIZES = [1, 2, 3, 7, 64, 4096];
