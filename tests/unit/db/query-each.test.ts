import { queryEach, type QueryClient } from '../../../lib/db/client.js';

function fakeClient(answer: (text: string) => unknown): QueryClient & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    async query(text: string) {
      sent.push(text);
      return answer(text) as { rows: never[] };
    },
    async end() {},
  };
}

describe('queryEach', () => {
  it('sends the statements in one query, each ended on a line of its own (a trailing -- comment cannot swallow the next)', async () => {
    const client = fakeClient(() => [{ rows: [] }, { rows: [{ a: 1 }] }]);
    const results = await queryEach(client, ['SAVEPOINT s -- why', 'SELECT 1 AS a']);
    expect(client.sent).toEqual(['SAVEPOINT s -- why\n;\nSELECT 1 AS a']);
    expect(results.map((r) => r.rows)).toEqual([[], [{ a: 1 }]]);
  });

  it('gives one statement its result in a list, as the driver answers one statement with a bare result', async () => {
    const client = fakeClient(() => ({ rows: [{ n: '3' }] }));
    expect((await queryEach(client, ['SELECT 3 AS n'])).map((r) => r.rows)).toEqual([[{ n: '3' }]]);
  });

  it('refuses an answer with fewer results than statements instead of reading the wrong rows', async () => {
    const client = fakeClient(() => ({ rows: [] }));
    await expect(queryEach(client, ['SELECT 1', 'SELECT 2'])).rejects.toThrow('expected 2 results, got 1');
  });
});
