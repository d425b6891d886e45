// One catalog read serving two readers in the same snapshot: a native dump reads
// the catalog through a recording client, and the schema model is then built by
// the same readers through a replaying client that answers every query the dump
// already asked from the record, so the server reads the catalog once per step.
import type { QueryClient } from './client.js';

/** The results of the queries asked through a recording client, by query text and parameters. */
export interface QueryRecord {
  /** Recorded results (rows cloned when recorded), by `queryKey`. */
  readonly results: Map<string, readonly object[]>;
  /** Queries a replaying client sent on to the server (not in the record), in order: what was read a first time. */
  readonly misses: string[];
  /** Queries a replaying client answered from the record. */
  hits: number;
}

export function createQueryRecord(): QueryRecord {
  return { results: new Map(), misses: [], hits: 0 };
}

/**
 * A client that asks `client` and keeps a copy of each result in `record`.
 * Only text queries that give one result are kept: a COPY stream or a
 * multi-statement SET passes through untouched.
 */
export function recordingClient(client: QueryClient, record: QueryRecord): QueryClient {
  return {
    query<R extends object>(sql: string, params?: unknown[]) {
      // A submittable (a COPY stream) is returned as the driver returns it, not awaited.
      if (typeof sql !== 'string') return client.query<R>(sql, params);
      return client.query<R>(sql, params).then((result) => {
        if (!Array.isArray(result)) record.results.set(queryKey(sql, params), result.rows.map((row) => cloneValue(row)));
        return result;
      });
    },
    end: () => client.end(),
  };
}

/**
 * A client that answers from `record` what was recorded (a fresh copy each
 * time: a reader may change the rows it gets) and sends anything else to
 * `client`, listing it in `record.misses`.
 */
export function replayingClient(client: QueryClient, record: QueryRecord): QueryClient {
  return {
    query<R extends object>(sql: string, params?: unknown[]) {
      const rows = typeof sql === 'string' ? record.results.get(queryKey(sql, params)) : undefined;
      if (rows) {
        record.hits += 1;
        return Promise.resolve({ rows: rows.map((row) => cloneValue(row)) as R[] });
      }
      if (typeof sql === 'string') record.misses.push(sql);
      return client.query<R>(sql, params);
    },
    end: () => client.end(),
  };
}

/**
 * A client that asks `client` each distinct query once and answers a repeat
 * with a copy of the first answer: for the readers of one catalog read (one
 * snapshot) that share a query.
 */
export function sharingClient(client: QueryClient): QueryClient {
  // Already sharing (inspectSchema shares one client between the readers and its details): as it is.
  if (sharing.has(client)) return client;
  const record = createQueryRecord();
  const recording = recordingClient(client, record);
  const replaying = replayingClient(recording, record);
  sharing.add(replaying);
  return replaying;
}

const sharing = new WeakSet<QueryClient>();

function queryKey(sql: string, params: unknown[] | undefined): string {
  return params && params.length > 0 ? `${sql}\0${JSON.stringify(params)}` : sql;
}

// What the driver gives: strings, numbers, booleans, null, arrays, Dates, Buffers and plain objects.
function cloneValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => cloneValue(item)) as T;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = cloneValue(item);
  return copy as T;
}
