import type { Connection } from '../../../lib/config/connection-types.js';
import type { QueryClient } from '../../../lib/db/client.js';
import { Sessions } from '../../../lib/db/sessions.js';

// A client whose end() resolves only when the test says so: the server's backend ending.
function slowClient(): QueryClient & { ended: boolean; finish(): void } {
  let finish = () => undefined as void;
  const ending = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const client = {
    ended: false,
    finish: () => finish(),
    query: async () => ({ rows: [] }),
    end: async () => {
      await ending;
      client.ended = true;
    },
  };
  return client;
}

const connection = { host: '127.0.0.1', port: 5432, user: 'u', database: 'db' } as unknown as Connection;

describe('Sessions.close', () => {
  // A run starts closing its sessions when its last step is done (lib/run/write-archive.ts) and
  // closes them again before verify opens its own: that second close must not resolve while the
  // first one's connection is still open, or verify would hold one connection more than allowed.
  it('waits for a close already under way, although it has nothing left to close itself', async () => {
    const client = slowClient();
    const sessions = new Sessions(connection, { open: async () => client });
    await sessions.use('db', async () => undefined);
    const first = sessions.close();
    let secondDone = false;
    const second = sessions.close().then(() => {
      secondDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(secondDone).toBe(false);
    client.finish();
    await Promise.all([first, second]);
    expect(client.ended).toBe(true);
    expect(secondDone).toBe(true);
  });

  it('never rejects when a connection fails to close', async () => {
    const client = { query: async () => ({ rows: [] }), end: async () => Promise.reject(new Error('connection lost')) };
    const sessions = new Sessions(connection, { open: async () => client });
    await sessions.use('db', async () => undefined);
    await expect(sessions.close()).resolves.toBeUndefined();
    await expect(sessions.close()).resolves.toBeUndefined();
  });

  it('reuses an idle connection, and opens another after a close', async () => {
    let opened = 0;
    const sessions = new Sessions(connection, { open: async () => {
      opened++;
      return { query: async () => ({ rows: [] }), end: async () => undefined };
    } });
    await sessions.use('db', async () => undefined);
    await sessions.use('db', async () => undefined);
    expect(opened).toBe(1);
    await sessions.close();
    await sessions.use('db', async () => undefined);
    expect(opened).toBe(2);
  });
});
