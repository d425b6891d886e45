// Sends one notice to every target that wants it, all at once, within one deadline
// for the whole phase: a dead endpoint cannot hold a cron job. Nothing here throws;
// each target's outcome is returned, and logged (a failure as a warning).
import type { NotifyEvent } from '../../config/notify.js';
import type { PgbakLogger } from '../../log/index.js';
import { sendMail } from './email.js';
import { formatMs, postWithRetry } from './http-post.js';
import { webhookBody } from './payloads.js';
import { noticeText, type Notice } from './report.js';
import { wants, type NotifyTarget, type PingTarget } from './targets.js';

/** What became of one notification (`--json` prints them). */
export interface NotificationOutcome {
  kind: NotifyTarget['kind'];
  /** The target without its token: `https://hooks.slack.com/services/***`, `dba@example.com via smtp://relay:25`. */
  target: string;
  /** `start` is a ping's first call, when the run begins. */
  event: NotifyEvent | 'start';
  ok: boolean;
  attempts: number;
  error?: string;
}

/** The whole notification phase, when PGBAK_NOTIFY_DEADLINE does not say. */
export const DEFAULT_NOTIFY_DEADLINE_MS = 60_000;

export interface SendOptions {
  logger: PgbakLogger;
  /** The whole phase: every target, every attempt and wait. */
  deadlineMs: number;
  /** healthchecks.io's run id: pairs `/start` with the end of the same run. */
  runId?: string;
}

/** Sends `notice` to the targets whose `on:` includes its event. */
export async function sendNotice(targets: readonly NotifyTarget[], notice: Notice, options: SendOptions): Promise<NotificationOutcome[]> {
  const chosen = targets.filter((target) => wants(target, notice.event));
  return withDeadline(options.deadlineMs, (deadline, deadlineAt) =>
    Promise.all(chosen.map((target) => sendOne(target, notice, notice.event, { deadline, deadlineAt, ...options }))),
  );
}

/** A ping's `/start`, for every ping target (sent when the run begins). */
export async function sendStartPings(targets: readonly NotifyTarget[], options: SendOptions & { signal?: AbortSignal }): Promise<NotificationOutcome[]> {
  const pings = targets.filter((target): target is PingTarget => target.kind === 'ping');
  if (pings.length === 0) return [];
  return withDeadline(options.deadlineMs, (deadline, deadlineAt) => {
    const stop = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    return Promise.all(pings.map((target) => sendOne(target, null, 'start', { ...options, deadline: stop, deadlineAt })));
  });
}

async function withDeadline<T>(ms: number, work: (deadline: AbortSignal, deadlineAt: number) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await work(controller.signal, Date.now() + ms);
  } finally {
    clearTimeout(timer);
  }
}

interface Sending extends SendOptions {
  deadline: AbortSignal;
  deadlineAt: number;
}

async function sendOne(target: NotifyTarget, notice: Notice | null, event: NotificationOutcome['event'], sending: Sending): Promise<NotificationOutcome> {
  let outcome: { ok: boolean; attempts: number; error?: string };
  try {
    outcome = await deliver(target, notice, event, sending);
  } catch (error) {
    outcome = { ok: false, attempts: 1, error: error instanceof Error ? error.message : String(error) };
  }
  const result: NotificationOutcome = { kind: target.kind, target: target.display, event, ok: outcome.ok, attempts: outcome.attempts, ...(outcome.error !== undefined && { error: outcome.error }) };
  const what = `${target.kind} ${target.display} (${event})`;
  if (result.ok) sending.logger.info(`notified ${what}`);
  else sending.logger.warn(`notification failed: ${what}: ${result.error}${result.attempts > 1 ? ` (${result.attempts} attempts)` : ''}; the run's result is unchanged`);
  return result;
}

function deliver(target: NotifyTarget, notice: Notice | null, event: NotificationOutcome['event'], sending: Sending) {
  const common = { timeoutMs: target.timeoutMs, deadline: sending.deadline, deadlineAt: sending.deadlineAt };
  if (target.kind === 'webhook') {
    return postWithRetry({ ...common, url: target.url, headers: target.headers, contentType: 'application/json', body: JSON.stringify(webhookBody(target.format, notice!)) });
  }
  if (target.kind === 'ping') {
    const body = notice ? noticeText(notice) : 'pgbak: run started';
    return postWithRetry({ ...common, url: pingUrl(target.url, event, sending.runId), contentType: 'text/plain; charset=utf-8', body });
  }
  return sendMail(target, notice!, sending.deadline);
}

/** healthchecks.io: `<url>/start`, `<url>` on success, `<url>/fail`; `?rid=` pairs the calls of one run. */
export function pingUrl(base: string, event: NotificationOutcome['event'], runId?: string): string {
  const url = new URL(base);
  const suffix = event === 'start' ? '/start' : event === 'failure' ? '/fail' : '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  if (runId !== undefined) url.searchParams.set('rid', runId);
  return url.toString();
}

export { formatMs };
