import { parseProfile } from '../../../lib/config/load-profile.js';
import { PgbakError } from '../../../lib/errors.js';
import { resolveTargets } from '../../../lib/notify/alerts/index.js';

function parse(notify: string, env: Record<string, string> = {}): ReturnType<typeof parseProfile> {
  return parseProfile(`notify:\n${notify}\nsteps:\n  - kind: full\n`, '/p/nightly.yaml', env);
}

function problem(fn: () => unknown): PgbakError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PgbakError);
    return error as PgbakError;
  }
  throw new Error('expected an error');
}

describe('profile notify:', () => {
  it('takes webhook, ping and email entries, with ${VAR} expanded from the environment', () => {
    const profile = parse(
      [
        '  - webhook: { url: "${ALERT_URL}", on: [failure, stale], format: slack, headers: { Authorization: "Bearer ${TOKEN}" }, timeout: 5s }',
        '  - ping: { url: "https://hc-ping.com/${HC_UUID}" }',
        '  - email: { smtp: "smtp://relay:587", from: pgbak@example.com, to: [dba@example.com], on: [failure], subject: "{event} {profile}" }',
      ].join('\n'),
      { ALERT_URL: 'https://hooks.slack.com/services/T0/B0/secret', TOKEN: 'tok', HC_UUID: '1234-abcd' },
    );
    expect(profile.notify).toEqual([
      { webhook: { url: 'https://hooks.slack.com/services/T0/B0/secret', on: ['failure', 'stale'], format: 'slack', headers: { Authorization: 'Bearer tok' }, timeout: 5000 } },
      { ping: { url: 'https://hc-ping.com/1234-abcd' } },
      { email: { smtp: 'smtp://relay:587', from: 'pgbak@example.com', to: ['dba@example.com'], on: ['failure'], subject: '{event} {profile}' } },
    ]);
  });

  it('refuses a bad URL, an unknown format, an empty to and an unknown event, naming the profile and the path, never the URL', () => {
    const error = problem(() =>
      parse(
        [
          '  - webhook: { url: "hooks.slack.com/services/T0/B0/secret-token" }',
          '  - webhook: { url: "https://example.com/x", format: slak }',
          '  - email: { smtp: "smtp://relay", from: a@example.com, to: [] }',
          '  - webhook: { url: "https://example.com/x", on: [failed] }',
          '  - ping: { url: "ftp://example.com/x" }',
        ].join('\n'),
      ),
    );
    expect(error.code).toBe('PROFILE_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('/p/nightly.yaml: notify[0].webhook.url: expected an http:// or https:// URL');
    expect(error.message).toContain('notify[1].webhook.format: unknown format "slak" (did you mean "slack"?)');
    expect(error.message).toContain('notify[2].email.to: name at least one recipient');
    expect(error.message).toContain('notify[3].webhook.on[0]: unknown event "failed"');
    expect(error.message).toContain('notify[4].ping.url: expected an http:// or https:// URL');
    expect(error.message).not.toContain('secret-token');
  });

  it('refuses an SMTP password in the URL, stale on a ping, an entry with two kinds, and a bad timeout', () => {
    const error = problem(() =>
      parse(
        [
          '  - email: { smtp: "smtp://user:hunter2@relay:25", from: a@example.com, to: [b@example.com] }',
          '  - ping: { url: "https://hc-ping.com/x", on: [stale] }',
          '  - { ping: { url: "https://hc-ping.com/x" }, webhook: { url: "https://example.com/x" } }',
          '  - webhook: { url: "https://example.com/x", timeout: forever }',
          '  - webhok: { url: "https://example.com/x" }',
        ].join('\n'),
      ),
    );
    expect(error.message).toContain('notify[0].email.smtp: the SMTP password does not go in the URL');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('notify[1].ping.on: a ping reports runs');
    expect(error.message).toContain('notify[2]: each notify entry is one of');
    expect(error.message).toContain('notify[3].webhook.timeout: expected a timeout such as 10s');
    expect(error.message).toContain('notify[4]: Unrecognized key: "webhok" (did you mean "webhook"?)');
  });

  it('defaults on: to [failure] for webhooks and e-mail and to both ends of a run for pings; the SMTP password comes from the environment', async () => {
    const profile = parse(
      ['  - webhook: { url: "https://example.com/hook" }', '  - ping: { url: "https://hc-ping.com/abc" }', '  - email: { smtp: "smtps://relay", from: a@example.com, to: [b@example.com] }'].join('\n'),
    );
    const targets = await resolveTargets(profile.notify!, { env: { PGBAK_SMTP_USER: 'mailer', PGBAK_SMTP_PASSWORD: 'hunter2' }, profileDir: '/p', profileFile: '/p/nightly.yaml' });
    expect(targets.map((t) => [t.kind, t.on])).toEqual([
      ['webhook', ['failure']],
      ['ping', ['success', 'failure']],
      ['email', ['failure']],
    ]);
    const email = targets[2]!;
    expect(email).toMatchObject({ kind: 'email', host: 'relay', port: 465, secure: true, user: 'mailer' });
    expect(JSON.stringify(targets)).not.toContain('hunter2');
  });

  it('refuses an SMTP passwordFile that cannot be read, naming the entry (exit 2)', async () => {
    const profile = parse('  - email: { smtp: "smtp://relay", from: a@example.com, to: [b@example.com], user: u, passwordFile: missing.txt }');
    const error = await resolveTargets(profile.notify!, { env: {}, profileDir: '/nonexistent', profileFile: '/p/nightly.yaml' }).catch((e: unknown) => e as PgbakError);
    expect(error).toBeInstanceOf(PgbakError);
    expect((error as PgbakError).exitCode).toBe(2);
    expect((error as PgbakError).message).toContain('/p/nightly.yaml: notify[0].email.passwordFile: cannot read /nonexistent/missing.txt: ENOENT');
  });
});

describe('profile notify: email to', () => {
  it('takes one address as well as a list', () => {
    const profile = parseProfile('notify:\n  - email: { smtp: "smtp://relay", from: a@example.com, to: dba@example.com }\nsteps:\n  - kind: full\n', '/p/x.yaml', {});
    expect(profile.notify![0]!.email!.to).toEqual(['dba@example.com']);
  });
});
