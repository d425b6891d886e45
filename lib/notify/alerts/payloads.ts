// The bodies a webhook POSTs, one shape per `format:`.
import type { WebhookFormat } from '../../config/notify.js';
import { noticeFields, noticeText, noticeTitle, type Notice } from './report.js';

/** The JSON body for a webhook of the given format. */
export function webhookBody(format: WebhookFormat, notice: Notice): unknown {
  switch (format) {
    case 'json':
      return jsonBody(notice);
    case 'slack':
      return slackBody(notice);
    case 'teams':
      return teamsBody(notice);
    case 'discord':
      return discordBody(notice);
  }
}

/**
 * pgbak's own shape: every fact under a stable name. `event` is failure, success or
 * stale; `error` only on failure; a stale notice has `location` and `groups` instead of
 * the archive fields.
 */
function jsonBody(notice: Notice): unknown {
  const { version, ...facts } = notice;
  return { ...facts, summary: noticeTitle(notice), pgbak: { version } };
}

/** Slack incoming webhook: `text` (notifications, clients without blocks) and Block Kit blocks. */
function slackBody(notice: Notice): unknown {
  const fields = noticeFields(notice);
  return {
    text: slackEscape(noticeTitle(notice)),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(noticeTitle(notice), 150) } },
      // A section holds at most 10 fields of at most 2000 characters.
      ...chunk(fields, 10).map((group) => ({
        type: 'section',
        fields: group.map(([label, value]) => ({ type: 'mrkdwn', text: truncate(`*${slackEscape(label)}*\n${slackEscape(value)}`, 2000) })),
      })),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `pgbak ${slackEscape(notice.version)}` }] },
    ],
  };
}

/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is
 * received", the replacement for the retired Office 365 connectors): a message
 * with one Adaptive Card (schema 1.4) attached.
 */
function teamsBody(notice: Notice): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: noticeTitle(notice), weight: 'Bolder', size: 'Medium', wrap: true, color: notice.ok ? 'Good' : 'Attention' },
            { type: 'FactSet', facts: noticeFields(notice).map(([title, value]) => ({ title, value })) },
            { type: 'TextBlock', text: `pgbak ${notice.version}`, isSubtle: true, size: 'Small' },
          ],
        },
      },
    ],
  };
}

/** Discord webhook: `content` and one embed; mentions in an error message never ping anyone. */
function discordBody(notice: Notice): unknown {
  const fields = noticeFields(notice).slice(0, 25);
  return {
    content: truncate(noticeTitle(notice), 2000),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: truncate(noticeTitle(notice), 256),
        color: notice.ok ? 0x2eb67d : notice.event === 'stale' ? 0xecb22e : 0xe01e5a,
        fields: fields.map(([name, value]) => ({ name: truncate(name, 256), value: truncate(value, 1024), inline: value.length <= 40 })),
        footer: { text: `pgbak ${notice.version}` },
        timestamp: notice.event === 'stale' ? notice.checkedAt : notice.finishedAt,
      },
    ],
  };
}

/** The plain-text summary (ping bodies, e-mail). */
export { noticeText };

// Slack's mrkdwn treats &, < and > as markup.
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
