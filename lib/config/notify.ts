// The profile's `notify:` list: webhooks, healthchecks.io-style pings and e-mail,
// checked when the profile loads (a bad URL, an unknown format, an empty `to` is
// exit 2 naming the path). Tokens live in the environment (`${ALERT_URL}`), SMTP
// passwords in a file or PGBAK_SMTP_PASSWORD: never in the profile.
import * as z from 'zod';
import { didYouMean } from './suggest.js';

/** What a notification reports: a run that failed or succeeded, backups that went stale (`pgbak status --notify`). */
export const notifyEvents = ['failure', 'success', 'stale'] as const;
export type NotifyEvent = (typeof notifyEvents)[number];

/** Webhook body shapes. `teams` is an Adaptive Card for a Teams Workflows ("When a Teams webhook request is received") URL. */
export const webhookFormats = ['json', 'slack', 'teams', 'discord'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

/** Per-attempt timeout when an entry names none. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;

const name = z.string().min(1);
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** A value from a fixed list, refused with the closest one named. */
function oneOf<T extends string>(what: string, values: readonly T[]) {
  return z.string().refine((value) => (values as readonly string[]).includes(value), {
    error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)}${didYouMean(String(issue.input), values)}; one of ${values.join(', ')}`,
  }) as unknown as z.ZodType<T>;
}

/** `500ms`, `10s`, `1min` (or `1m`), or milliseconds: a timeout of at most 5 minutes. */
export function parseTimeout(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+)\s*(ms|s|m|min)?\s*$/i.exec(value);
  if (!match) return null;
  const unit = (match[2] ?? 'ms').toLowerCase();
  const ms = Number(match[1]) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
  return ms > 0 ? ms : null;
}

const timeout = z.unknown().transform((value, ctx) => {
  const ms = parseTimeout(value);
  if (ms === null || ms > 300_000) {
    ctx.addIssue({ code: 'custom', message: `expected a timeout such as 10s, 500ms or 1min (at most 5min), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});

/** An http(s) URL; any other scheme, or text that is no URL, is refused. The message never repeats the value (it may hold a token). */
function httpUrl() {
  return z.string().refine((value) => isUrlWithScheme(value, ['http:', 'https:']), { message: 'expected an http:// or https:// URL' });
}

function isUrlWithScheme(value: string, schemes: string[]): boolean {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

const events = z.array(oneOf('event', notifyEvents)).min(1);

/** A JSON POST to a URL on each event in `on` (default: failure only). */
export const webhookSchema = z
  .object({
    /** Where to POST; put the URL (it holds a token) in the environment: `${ALERT_URL}`. */
    url: httpUrl(),
    /** Which events are sent; default `[failure]`. */
    on: events.optional(),
    /** Body shape: `json` (pgbak's own, the default), `slack`, `teams` (Adaptive Card for a Workflows URL), `discord`. */
    format: oneOf('format', webhookFormats).optional(),
    /** Extra request headers (an `Authorization` from `${VAR}`, say); never logged. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name'), z.string()).optional(),
    /** Per attempt: `10s` (default), `500ms`, `1min`. */
    timeout: timeout.optional(),
  })
  .strict();

/** healthchecks.io convention: `<url>/start` when the run starts, `<url>` on success, `<url>/fail` on failure. */
export const pingSchema = z
  .object({
    url: httpUrl(),
    /** Which ends of a run are pinged (default both); `/start` is always sent. */
    on: z
      .array(oneOf('event', notifyEvents))
      .min(1)
      .superRefine((list, ctx) => {
        if (list.includes('stale')) {
          ctx.addIssue({ code: 'custom', message: 'a ping reports runs (success, failure): the ping service itself notices pings that stop arriving' });
        }
      })
      .optional(),
    timeout: timeout.optional(),
  })
  .strict();

const mailbox = z.string().regex(/^[^\s@<>",;]+@[^\s@<>",;]+$/, 'an e-mail address such as dba@example.com');

/** E-mail over SMTP. The password comes from `passwordFile` or PGBAK_SMTP_PASSWORD, never from here. */
export const emailSchema = z
  .object({
    /** `smtp://host:port` (STARTTLS when the server offers it) or `smtps://host:port` (TLS from the start). No password in it. */
    smtp: z.string().superRefine((value, ctx) => {
      if (!isUrlWithScheme(value, ['smtp:', 'smtps:'])) {
        ctx.addIssue({ code: 'custom', message: 'expected smtp://host:port or smtps://host:port' });
      } else if (new URL(value).password !== '') {
        ctx.addIssue({ code: 'custom', message: 'the SMTP password does not go in the URL: use passwordFile or PGBAK_SMTP_PASSWORD' });
      }
    }),
    from: mailbox,
    /** Recipients: a list, or one address. */
    to: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(mailbox).min(1, 'name at least one recipient')),
    /** Which events are sent; default `[failure]`. */
    on: events.optional(),
    /** `{event}`, `{profile}` and `{host}` are replaced; default `[pgbak] FAILED nightly on db1`. */
    subject: name.optional(),
    /** SMTP user (else the URL's user, else PGBAK_SMTP_USER); none: no authentication. */
    user: name.optional(),
    /** A file holding the SMTP password (one trailing newline ignored), relative to the profile's folder; else PGBAK_SMTP_PASSWORD. */
    passwordFile: name.optional(),
    /** Refuse to send unless the server offers STARTTLS (smtp:// only; smtps:// is TLS anyway). */
    requireTls: flag.optional(),
    /** A PEM file of CAs to trust for the server's certificate (a private relay's CA), relative to the profile's folder. */
    caFile: name.optional(),
    timeout: timeout.optional(),
  })
  .strict();

/** One entry of `notify:`: exactly one of `webhook`, `ping`, `email`. */
export const notifyEntrySchema = z
  .object({ webhook: webhookSchema.optional(), ping: pingSchema.optional(), email: emailSchema.optional() })
  .strict()
  .superRefine((entry, ctx) => {
    const kinds = [entry.webhook, entry.ping, entry.email].filter((kind) => kind !== undefined);
    if (kinds.length !== 1) ctx.addIssue({ code: 'custom', message: 'each notify entry is one of { webhook: { url, … } }, { ping: { url } } or { email: { smtp, from, to, … } }' });
  });

export const notifySchema = z.array(notifyEntrySchema);
export type NotifyEntry = z.infer<typeof notifyEntrySchema>;
export type WebhookEntry = z.infer<typeof webhookSchema>;
export type PingEntry = z.infer<typeof pingSchema>;
export type EmailEntry = z.infer<typeof emailSchema>;

/** The keys of each part, for "did you mean" on an unknown key. */
export const notifyKeys = {
  entry: ['webhook', 'ping', 'email'],
  webhook: Object.keys(webhookSchema.shape),
  ping: Object.keys(pingSchema.shape),
  email: Object.keys(emailSchema.shape),
} as const;
