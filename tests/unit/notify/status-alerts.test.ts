// status --notify's choices, on a report made by hand: which profiles get an alert,
// with which groups, and what happens when a profile cannot be found.
import { PassThrough } from 'node:stream';
import { parseProfile, type LoadedProfile } from '../../../lib/config/load-profile.js';
import { createLogger } from '../../../lib/log/index.js';
import { notifyStatus } from '../../../lib/notify/alerts/index.js';
import type { GroupStatus, StatusReport } from '../../../lib/retention/index.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/notify-receivers.js';

function group(profile: string, database: string, state: Partial<GroupStatus>): GroupStatus {
  return { profile, database, host: 'db1', location: '/b', shrunk: null, previousBytes: null, count: 1, lastSuccess: { path: `/b/${profile}.zip`, file: `${profile}.zip`, startedAt: '2026-12-01T00:00:00.000Z', ageMs: 3 * 86_400_000, bytes: 1024, host: 'db1' }, lastVerified: null, lastFailedVerification: false, lastFailure: null, failing: false, running: null, dropped: false, stale: false, ...state };
}

function report(groups: GroupStatus[], problems: string[] = []): StatusReport {
  return { outputDir: '/b', checkedAt: '2026-12-04T00:00:00.000Z', maxAgeMs: 86_400_000, groups, problems, stale: problems.length > 0, ignored: [], leftovers: [] };
}

function loaded(name: string, url: string): LoadedProfile {
  const profile = parseProfile(`notify:\n  - webhook: { url: "${url}", on: [stale] }\n  - webhook: { url: "${url}/failures" }\nsteps:\n  - kind: full\n`, `/p/${name}.yaml`, {});
  return { name, file: `/p/${name}.yaml`, origin: 'user', sha256: '', profile };
}

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { logger: createLogger({ level: 'verbose', stderr: stream }), text: () => text };
}

let server: HttpReceiver;
beforeEach(async () => {
  server = await startHttpReceiver();
});
afterEach(async () => {
  await server.close();
});

describe('status --notify', () => {
  it('alerts each stale profile once with its stale groups, to on: [stale] targets only; healthy profiles stay quiet', async () => {
    const { logger } = capture();
    const outcomes = await notifyStatus({
      report: report(
        [group('nightly', 'app', { stale: true }), group('nightly', 'crm', {}), group('hourly', 'app', {})],
        ['STALE nightly/app: newest backup nightly.zip is 3d old, limit 1d'],
      ),
      loadProfile: async (name) => loaded(name, `${server.url}/${name}`),
      env: {},
      logger,
    });
    expect(outcomes).toEqual([expect.objectContaining({ kind: 'webhook', event: 'stale', ok: true })]);
    expect(server.requests.map((r) => r.url)).toEqual(['/nightly']);
    const body = JSON.parse(server.requests[0]!.body) as { profile: string; databases: string[]; problems: string[] };
    expect(body).toMatchObject({ profile: 'nightly', databases: ['app'], problems: ['STALE nightly/app: newest backup nightly.zip is 3d old, limit 1d'] });
  });

  it('alerts a --profile that has no backup at all', async () => {
    const { logger } = capture();
    await notifyStatus({ report: report([], ['no backup of profile weekly in /b']), loadProfile: async (name) => loaded(name, `${server.url}/${name}`), env: {}, logger, profile: 'weekly' });
    expect(server.requests.map((r) => r.url)).toEqual(['/weekly']);
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ profile: 'weekly', databases: [], problems: ['no backup of profile weekly in /b'] });
  });

  it('warns about a profile it cannot find, and sends nothing for it', async () => {
    const { logger, text } = capture();
    const outcomes = await notifyStatus({ report: report([group('gone', 'app', { stale: true })], ['STALE gone/app: …']), loadProfile: async () => null, env: {}, logger });
    expect(outcomes).toEqual([]);
    expect(text()).toContain('profile gone not found: its stale backups are not notified');
  });
});
