// E-mail against a real SMTP server on loopback (smtp-server): plain, STARTTLS with a
// CA file, authentication, a server that refuses, one that never answers.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseProfile } from '../../../lib/config/load-profile.js';
import { createLogger } from '../../../lib/log/index.js';
import { resolveTargets, sendNotice, type RunNotice } from '../../../lib/notify/alerts/index.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../support/notify-receivers.js';

const notice: RunNotice = {
  event: 'failure',
  ok: false,
  profile: 'nightly',
  host: 'db1',
  server: 'pg:5432',
  databases: ['app'],
  error: { code: 'DATABASE_MISSING', exitCode: 2, message: 'database "app" does not exist' },
  archive: null,
  locations: [],
  log: null,
  bytes: null,
  durationMs: 10,
  startedAt: '2026-12-05T01:00:00.000Z',
  finishedAt: '2026-12-05T01:00:00.010Z',
  version: '0.1.0',
};

const PASSWORD = 'smtp-pa55word-xyz';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { logger: createLogger({ level: 'normal', stderr: stream }), text: () => text };
}

async function targetsFor(server: SmtpReceiver, entry: string, env: Record<string, string> = {}) {
  const profile = parseProfile(`notify:\n  - email: { smtp: "smtp://127.0.0.1:${server.port}", from: pgbak@example.com, to: [dba@example.com, ops@example.com]${entry} }\nsteps:\n  - kind: full\n`, path.join(server.dir, 'p.yaml'), {});
  return resolveTargets(profile.notify!, { env, profileDir: server.dir, profileFile: path.join(server.dir, 'p.yaml') });
}

const servers: SmtpReceiver[] = [];
async function smtp(options: Parameters<typeof startSmtpReceiver>[0]): Promise<SmtpReceiver> {
  const server = await startSmtpReceiver(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('e-mail alerts', () => {
  it('sends a plain message to every recipient when the server offers no STARTTLS', async () => {
    const server = await smtp({ starttls: false });
    const { logger, text } = capture();
    const [outcome] = await sendNotice(await targetsFor(server, ''), notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ kind: 'email', target: 'dba@example.com, ops@example.com via smtp://127.0.0.1:' + server.port, ok: true });
    expect(server.mails).toHaveLength(1);
    const mail = server.mails[0]!;
    expect(mail.to).toEqual(['dba@example.com', 'ops@example.com']);
    expect(mail.secure).toBe(false);
    expect(mail.raw).toContain('Subject: [pgbak] backup FAILED: profile nightly on db1 (DATABASE_MISSING)');
    expect(mail.raw).toContain('Error: DATABASE_MISSING (exit 2): database "app" does not exist');
    expect(text()).toContain('notified email');
  });

  it('upgrades with STARTTLS when offered, trusting the relay certificate from caFile, and authenticates', async () => {
    const server = await smtp({ auth: { user: 'mailer', pass: PASSWORD } });
    writeFileSync(path.join(server.dir, 'pw'), `${PASSWORD}\n`);
    const { logger, text } = capture();
    const targets = await targetsFor(server, ', user: mailer, passwordFile: pw, caFile: ca.pem, requireTls: true');
    logger.addSecret(PASSWORD);
    const [outcome] = await sendNotice(targets, notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: true });
    expect(server.mails[0]).toMatchObject({ secure: true, user: 'mailer' });
    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
    expect(text()).not.toContain(PASSWORD);
  });

  it('refuses a relay whose certificate is not trusted (no caFile): a warning, not a plaintext fallback', async () => {
    const server = await smtp({});
    const { logger, text } = capture();
    const [outcome] = await sendNotice(await targetsFor(server, ''), notice, { logger, deadlineMs: 10_000 });
    expect(outcome!.ok).toBe(false);
    expect(outcome!.error).toMatch(/certificate/i);
    expect(outcome!.attempts).toBe(1);
    expect(server.mails).toHaveLength(0);
    expect(text()).toContain('notification failed: email');
  });

  it('a wrong password is a warning that never shows the password', async () => {
    const server = await smtp({ auth: { user: 'mailer', pass: 'right' } });
    const { logger, text } = capture();
    logger.addSecret(PASSWORD);
    const targets = await targetsFor(server, ', caFile: ca.pem', { PGBAK_SMTP_USER: 'mailer', PGBAK_SMTP_PASSWORD: PASSWORD });
    const [outcome] = await sendNotice(targets, notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome!.error).toContain('535');
    expect(text()).not.toContain(PASSWORD);
  });

  it('a server that refuses the message (550) is a warning after one attempt', async () => {
    const server = await smtp({ starttls: false, refuseWith: 550 });
    const { logger, text } = capture();
    const [outcome] = await sendNotice(await targetsFor(server, ''), notice, { logger, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome!.error).toMatch(/^SMTP 550/);
    expect(text()).toContain('notification failed: email dba@example.com, ops@example.com');
  });

  it('a server that never answers is given up within the timeout', async () => {
    const server = await smtp({ silent: true });
    const { logger } = capture();
    const started = Date.now();
    const [outcome] = await sendNotice(await targetsFor(server, ', timeout: 700ms'), notice, { logger, deadlineMs: 10_000 });
    expect(outcome!.ok).toBe(false);
    expect(outcome!.error).toMatch(/no answer|deadline/);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('sends stale and success only to entries that ask for them', async () => {
    const server = await smtp({ starttls: false });
    const { logger } = capture();
    const success: RunNotice = { ...notice, event: 'success', ok: true };
    delete success.error;
    expect(await sendNotice(await targetsFor(server, ''), success, { logger, deadlineMs: 5000 })).toEqual([]);
    const [outcome] = await sendNotice(await targetsFor(server, ', on: [success], subject: "{event}: {profile}"'), success, { logger, deadlineMs: 5000 });
    expect(outcome!.ok).toBe(true);
    expect(server.mails[0]!.raw).toContain('Subject: OK: nightly');
  });
});
