// A profile's `notify:` entries made ready to send: defaults filled in, the SMTP
// password and CA file read (once, before the run starts: a missing file is exit 2).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_NOTIFY_TIMEOUT_MS, type NotifyEntry, type NotifyEvent, type WebhookFormat } from '../../config/notify.js';
import type { Env } from '../../config/env-file.js';
import { Secret } from '../../config/secret.js';
import { PgbakError } from '../../errors.js';
import type { PgbakLogger } from '../../log/index.js';
import { redactUrl, urlSecrets } from './redact-url.js';

interface TargetBase {
  /** What logs and `--json` show: never a token or a password. */
  display: string;
  on: readonly NotifyEvent[];
  timeoutMs: number;
}

export interface WebhookTarget extends TargetBase {
  kind: 'webhook';
  url: string;
  format: WebhookFormat;
  headers: Readonly<Record<string, string>>;
}

export interface PingTarget extends TargetBase {
  kind: 'ping';
  url: string;
}

export interface EmailTarget extends TargetBase {
  kind: 'email';
  host: string;
  port: number;
  /** smtps://: TLS from the first byte; smtp:// upgrades with STARTTLS when offered. */
  secure: boolean;
  requireTls: boolean;
  /** PEM text of CAs to trust (caFile). */
  ca: string | null;
  from: string;
  to: readonly string[];
  subject: string | null;
  user: string | null;
  password: Secret | null;
}

export type NotifyTarget = WebhookTarget | PingTarget | EmailTarget;

/** Where relative files are read from and which environment supplies SMTP credentials. */
export interface TargetContext {
  env: Env;
  /** The profile file's folder. */
  profileDir: string;
  /** The profile file, for error messages. */
  profileFile: string;
}

/** Webhooks and e-mail report failures unless told otherwise; pings report both ends of a run. */
export const DEFAULT_ON: Readonly<Record<NotifyTarget['kind'], readonly NotifyEvent[]>> = {
  webhook: ['failure'],
  email: ['failure'],
  ping: ['success', 'failure'],
};

export async function resolveTargets(entries: readonly NotifyEntry[], context: TargetContext): Promise<NotifyTarget[]> {
  return Promise.all(entries.map((entry, index) => resolveTarget(entry, index, context)));
}

async function resolveTarget(entry: NotifyEntry, index: number, context: TargetContext): Promise<NotifyTarget> {
  if (entry.webhook) {
    const { url, format = 'json', headers = {}, on = DEFAULT_ON.webhook, timeout = DEFAULT_NOTIFY_TIMEOUT_MS } = entry.webhook;
    return { kind: 'webhook', url, format, headers, on, timeoutMs: timeout, display: redactUrl(url) };
  }
  if (entry.ping) {
    const { url, on = DEFAULT_ON.ping, timeout = DEFAULT_NOTIFY_TIMEOUT_MS } = entry.ping;
    return { kind: 'ping', url, on, timeoutMs: timeout, display: redactUrl(url) };
  }
  const email = entry.email!;
  const url = new URL(email.smtp);
  const secure = url.protocol === 'smtps:';
  const where = `${context.profileFile}: notify[${index}].email`;
  const password = email.passwordFile
    ? new Secret((await readText(resolve(context.profileDir, email.passwordFile), `${where}.passwordFile`)).replace(/\r?\n$/, ''))
    : nonEmpty(context.env.PGBAK_SMTP_PASSWORD) !== undefined
      ? new Secret(context.env.PGBAK_SMTP_PASSWORD!)
      : null;
  const user = email.user ?? (url.username !== '' ? decodeURIComponent(url.username) : nonEmpty(context.env.PGBAK_SMTP_USER)) ?? null;
  if (password !== null && user === null) {
    throw new PgbakError('CONFIG_INVALID', `${where}: an SMTP password is set but no user`, { hint: 'set user: in the entry, smtp://user@host, or PGBAK_SMTP_USER' });
  }
  return {
    kind: 'email',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (secure ? 465 : 25) : Number(url.port),
    secure,
    requireTls: email.requireTls ?? false,
    ca: email.caFile ? await readText(resolve(context.profileDir, email.caFile), `${where}.caFile`) : null,
    from: email.from,
    to: email.to,
    subject: email.subject ?? null,
    user,
    password,
    on: email.on ?? DEFAULT_ON.email,
    timeoutMs: email.timeout ?? DEFAULT_NOTIFY_TIMEOUT_MS,
    display: `${email.to.join(', ')} via ${url.protocol}//${url.host}`,
  };
}

async function readText(path: string, origin: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PgbakError('CONFIG_INVALID', `${origin}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Whether the target reports this event (`stale` never goes to a ping: the ping service watches for silence itself). */
export function wants(target: NotifyTarget, event: NotifyEvent): boolean {
  if (target.kind === 'ping' && event === 'stale') return false;
  return target.on.includes(event);
}

/** One line per `notify:` entry, for `plan`: kind, where (token redacted) and on which events. */
export function describeNotifyEntries(entries: readonly NotifyEntry[]): string[] {
  return entries.map((entry) => {
    if (entry.webhook) return `webhook ${redactUrl(entry.webhook.url)} (${entry.webhook.format ?? 'json'}) on ${(entry.webhook.on ?? DEFAULT_ON.webhook).join(', ')}`;
    if (entry.ping) return `ping ${redactUrl(entry.ping.url)}: /start, then ${(entry.ping.on ?? DEFAULT_ON.ping).join(', ')}`;
    const email = entry.email!;
    return `email ${email.to.join(', ')} via ${new URL(email.smtp).protocol}//${new URL(email.smtp).host} on ${(email.on ?? DEFAULT_ON.email).join(', ')}`;
  });
}

// Header values that carry credentials (Authorization, X-Api-Key, a token, a signature).
const SECRET_HEADER = /auth|token|key|secret|signature|cookie|password/i;

/** From now on the logger masks every target's secrets: URLs (and their path, query, userinfo), credential headers, SMTP passwords. */
export function maskTargetSecrets(targets: readonly NotifyTarget[], logger: PgbakLogger): void {
  for (const target of targets) {
    if (target.kind === 'email') {
      if (target.password) logger.addSecret(target.password.reveal());
    } else {
      for (const secret of urlSecrets(target.url)) logger.addSecret(secret);
      if (target.kind === 'webhook') {
        for (const [name, value] of Object.entries(target.headers)) if (SECRET_HEADER.test(name) && value !== '') logger.addSecret(value);
      }
    }
  }
}
