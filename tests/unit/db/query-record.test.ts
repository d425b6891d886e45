import type { QueryClient } from '../../../lib/db/client.js';
import { createQueryRecord, recordingClient, replayingClient, sharingClient } from '../../../lib/db/query-record.js';

/** A fake server: answers each query with one row naming it, and counts what it was asked. */
function fakeServer() {
  const asked: Array<{ sql: unknown; params: unknown[] | undefined }> = [];
  const client = {
    query(sql: unknown, params?: unknown[]) {
      asked.push({ sql, params });
      if (typeof sql !== 'string') return sql;
      if (sql.includes(';')) return Promise.resolve([{ rows: [] }, { rows: [] }]);
      return Promise.resolve({ rows: [{ sql, params: params ?? null, list: ['a'], data: Buffer.from('x'), at: new Date(0) }] });
    },
    end: async () => undefined,
  };
  return { client: client as unknown as QueryClient, asked };
}

describe('a query record', () => {
  it('answers a replayed query from what the recording client read, without asking the server again', async () => {
    const server = fakeServer();
    const record = createQueryRecord();
    const first = await recordingClient(server.client, record).query('SELECT 1', [7]);
    const replayed = await replayingClient(server.client, record).query('SELECT 1', [7]);
    expect(replayed.rows).toEqual(first.rows);
    expect(Buffer.isBuffer((replayed.rows[0] as { data: unknown }).data)).toBe(true);
    expect(server.asked).toHaveLength(1);
    expect(record).toMatchObject({ hits: 1, misses: [] });
  });

  it('keys queries by their parameters too, and lists what it had to send to the server', async () => {
    const server = fakeServer();
    const record = createQueryRecord();
    await recordingClient(server.client, record).query('SELECT $1', [1]);
    const replay = replayingClient(server.client, record);
    await replay.query('SELECT $1', [2]);
    await replay.query('SELECT 2');
    expect(server.asked).toHaveLength(3);
    expect(record.misses).toEqual(['SELECT $1', 'SELECT 2']);
  });

  it('hands out copies: a reader changing its rows changes neither the record nor the next replay', async () => {
    const server = fakeServer();
    const record = createQueryRecord();
    const recorded = await recordingClient(server.client, record).query<{ list: string[] }>('SELECT 1');
    recorded.rows[0]!.list.push('changed by the dump');
    const replay = replayingClient(server.client, record);
    const once = await replay.query<{ list: string[] }>('SELECT 1');
    once.rows[0]!.list.push('changed by the model');
    expect((await replay.query<{ list: string[] }>('SELECT 1')).rows[0]!.list).toEqual(['a']);
  });

  it('keeps no multi-statement result and passes a submittable (COPY stream) through as the driver returns it', async () => {
    const server = fakeServer();
    const record = createQueryRecord();
    const recording = recordingClient(server.client, record);
    await recording.query('SET a = 1; SET b = 2');
    const stream = { submit: () => undefined };
    expect(recording.query(stream as unknown as string)).toBe(stream);
    expect(record.results.size).toBe(0);
    expect(replayingClient(server.client, record).query(stream as unknown as string)).toBe(stream);
    expect(record.misses).toEqual([]);
  });
});

describe('a sharing client', () => {
  it('asks the server each distinct query once and answers a repeat with a copy of the first answer', async () => {
    const server = fakeServer();
    const shared = sharingClient(server.client);
    const first = await shared.query<{ list: string[] }>('SELECT 1');
    first.rows[0]!.list.push('changed by the first reader');
    const again = await shared.query<{ list: string[] }>('SELECT 1');
    await shared.query('SELECT 1', [2]);
    expect(again.rows[0]!.list).toEqual(['a']);
    expect(server.asked.map((asked) => asked.params)).toEqual([undefined, [2]]);
  });
});
