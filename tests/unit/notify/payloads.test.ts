import { noticeText, redactUrl, retryAfter, subjectOf, webhookBody, pingUrl, type RunNotice } from '../../../lib/notify/alerts/index.js';

const failure: RunNotice = {
  event: 'failure',
  ok: false,
  profile: 'nightly',
  host: 'db1',
  server: 'pg.internal:5432',
  databases: ['app'],
  error: { code: 'STEP_FAILED', exitCode: 1, message: 'pg_dump exited with code 1: <@everyone> & co', hint: 'details in /b/x.log' },
  archive: null,
  locations: [],
  log: '/b/x.log',
  bytes: null,
  durationMs: 1500,
  startedAt: '2026-12-05T01:00:00.000Z',
  finishedAt: '2026-12-05T01:00:01.500Z',
  version: '0.1.0',
};
const success: RunNotice = { ...failure, event: 'success', ok: true, error: undefined, archive: '/b/x.zip', locations: ['/b/x.zip', 's3://bk/pg/x.zip'], bytes: 2048 };
delete (success as Partial<RunNotice>).error;

describe('webhook bodies', () => {
  it('json: every fact under a stable name, the error code on failure, the pgbak version', () => {
    expect(webhookBody('json', failure)).toEqual({
      event: 'failure',
      ok: false,
      profile: 'nightly',
      host: 'db1',
      server: 'pg.internal:5432',
      databases: ['app'],
      error: { code: 'STEP_FAILED', exitCode: 1, message: 'pg_dump exited with code 1: <@everyone> & co', hint: 'details in /b/x.log' },
      archive: null,
      locations: [],
      log: '/b/x.log',
      bytes: null,
      durationMs: 1500,
      startedAt: '2026-12-05T01:00:00.000Z',
      finishedAt: '2026-12-05T01:00:01.500Z',
      summary: 'pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)',
      pgbak: { version: '0.1.0' },
    });
    expect(webhookBody('json', success)).toMatchObject({ event: 'success', ok: true, archive: '/b/x.zip', locations: ['/b/x.zip', 's3://bk/pg/x.zip'], bytes: 2048 });
  });

  it('slack: text plus Block Kit blocks, with &, < and > escaped', () => {
    const body = webhookBody('slack', failure) as { text: string; blocks: Array<{ type: string; fields?: Array<{ text: string }> }> };
    expect(body.text).toBe('pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)' } });
    const fields = body.blocks.flatMap((block) => block.fields ?? []).map((field) => field.text);
    expect(fields).toContain('*Error*\nSTEP_FAILED (exit 1): pg_dump exited with code 1: &lt;@everyone&gt; &amp; co');
    expect(body.blocks.every((block) => (block.fields ?? []).length <= 10)).toBe(true);
  });

  it('teams: a message with one Adaptive Card 1.4 (the Workflows webhook shape) holding the facts', () => {
    const body = webhookBody('teams', success) as { type: string; attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<{ type: string; facts?: Array<{ title: string; value: string }> }> } }> };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const facts = card.body.find((block) => block.type === 'FactSet')!.facts!;
    expect(facts).toContainEqual({ title: 'Archive', value: 's3://bk/pg/x.zip' });
    expect(facts).toContainEqual({ title: 'Size', value: '2.0 KiB' });
  });

  it('discord: content and one embed, mentions in an error never ping anyone', () => {
    const body = webhookBody('discord', failure) as { content: string; allowed_mentions: unknown; embeds: Array<{ title: string; color: number; fields: Array<{ name: string; value: string }> }> };
    expect(body.content).toBe('pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)');
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    expect(body.embeds[0]!.fields).toContainEqual(expect.objectContaining({ name: 'Error', value: 'STEP_FAILED (exit 1): pg_dump exited with code 1: <@everyone> & co' }));
  });

  it('the text summary (pings, e-mail) starts with the title and names the error', () => {
    const text = noticeText(failure);
    expect(text.split('\n')[0]).toBe('pgbak: backup FAILED: profile nightly on db1 (STEP_FAILED)');
    expect(text).toContain('Error: STEP_FAILED (exit 1): pg_dump exited with code 1');
    expect(text).toContain('Log: /b/x.log');
  });

  it('e-mail subjects: a default per event, and {event} {profile} {host} in a given one', () => {
    expect(subjectOf({ subject: null }, failure)).toBe('[pgbak] backup FAILED: profile nightly on db1 (STEP_FAILED)');
    expect(subjectOf({ subject: '[{event}] {profile}@{host}' }, success)).toBe('[OK] nightly@db1');
  });
});

describe('URLs', () => {
  it('redacts everything after the host but a short first segment', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXsecret')).toBe('https://hooks.slack.com/services/***');
    expect(redactUrl('https://hc-ping.com/5bf6e7a8-1c55-4b2e-a4e1-0b1b0a0f1c2d')).toBe('https://hc-ping.com/***');
    expect(redactUrl('https://discord.com/api/webhooks/123/tok')).toBe('https://discord.com/api/***');
    expect(redactUrl('http://127.0.0.1:8080/hook?token=abc')).toBe('http://127.0.0.1:8080/***');
    expect(redactUrl('https://user:pw@example.com/')).toBe('https://***@example.com');
    expect(redactUrl('https://example.com')).toBe('https://example.com');
  });

  it('builds healthchecks.io ping URLs: /start, the URL itself, /fail, with the run id', () => {
    expect(pingUrl('https://hc-ping.com/abc', 'start', 'r1')).toBe('https://hc-ping.com/abc/start?rid=r1');
    expect(pingUrl('https://hc-ping.com/abc/', 'success', 'r1')).toBe('https://hc-ping.com/abc?rid=r1');
    expect(pingUrl('https://hc-ping.com/key/slug?create=1', 'failure')).toBe('https://hc-ping.com/key/slug/fail?create=1');
  });

  it('reads Retry-After in seconds or as a date, capped at 30 s', () => {
    expect(retryAfter('2')).toBe(2000);
    expect(retryAfter('3600')).toBe(30_000);
    expect(retryAfter(new Date(Date.UTC(2026, 0, 1, 0, 0, 5)).toUTCString(), Date.UTC(2026, 0, 1))).toBe(5000);
    expect(retryAfter('soon')).toBeUndefined();
    expect(retryAfter(null)).toBeUndefined();
  });
});
