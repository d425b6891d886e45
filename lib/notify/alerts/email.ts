// E-mail over SMTP with nodemailer (loaded only when a profile sends mail): STARTTLS
// when the server offers it (or required with `requireTls`), smtps:// for TLS from the
// start, the server's certificate checked against the system CAs or `caFile`.
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notice } from './report.js';
import { noticeText, noticeTitle } from './report.js';
import type { EmailTarget } from './targets.js';

export interface MailOutcome {
  ok: boolean;
  attempts: number;
  error?: string;
}

const ATTEMPTS = 2;
const RETRY_WAIT_MS = 1000;

/** Sends one message; a 4xx reply or a lost connection is tried once more, a 5xx is final. */
export async function sendMail(target: EmailTarget, notice: Notice, deadline: AbortSignal): Promise<MailOutcome> {
  const nodemailer = (await import('nodemailer')).default;
  let error = 'not sent';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const transport = nodemailer.createTransport({
      host: target.host,
      port: target.port,
      secure: target.secure,
      requireTLS: target.requireTls,
      ...(target.user !== null && target.password !== null && { auth: { user: target.user, pass: target.password.reveal() } }),
      // SNI takes a host name only; an IP address is checked against the certificate's IP entries.
      tls: { ...(isIP(target.host) === 0 && { servername: target.host }), ...(target.ca !== null && { ca: target.ca }) },
      connectionTimeout: target.timeoutMs,
      greetingTimeout: target.timeoutMs,
      socketTimeout: target.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      await untilAborted(
        transport.sendMail({ from: target.from, to: [...target.to], subject: subjectOf(target, notice), text: noticeText(notice) }),
        deadline,
      );
      return { ok: true, attempts: attempt };
    } catch (caught) {
      error = describeMailError(caught, target);
      if (deadline.aborted || !retryable(caught) || attempt === ATTEMPTS) return { ok: false, attempts: attempt, error };
    } finally {
      transport.close();
    }
    try {
      await sleep(RETRY_WAIT_MS, undefined, { signal: deadline });
    } catch {
      return { ok: false, attempts: attempt, error };
    }
  }
  return { ok: false, attempts: ATTEMPTS, error };
}

/** `{event}`, `{profile}` and `{host}` replaced; default `[pgbak] FAILED nightly on db1`. */
export function subjectOf(target: Pick<EmailTarget, 'subject'>, notice: Notice): string {
  const event = notice.event === 'failure' ? 'FAILED' : notice.event === 'stale' ? 'STALE' : 'OK';
  if (target.subject === null) return `[pgbak] ${noticeTitle(notice).replace(/^pgbak: /, '')}`;
  return target.subject.replace(/\{event\}/g, event).replace(/\{profile\}/g, notice.profile).replace(/\{host\}/g, notice.host);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('the notification deadline passed'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('the notification deadline passed'), { code: 'DEADLINE' }));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface MailError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

function retryable(error: unknown): boolean {
  const { code, responseCode, message } = error as MailError;
  if (responseCode !== undefined) return responseCode >= 400 && responseCode < 500;
  // A certificate that is not trusted stays so.
  if (/certificate/i.test(message ?? '')) return false;
  return code === 'ECONNECTION' || code === 'ETIMEDOUT' || code === 'ESOCKET';
}

// nodemailer's message, without anything that could carry the password (it never
// puts it in a message; the logger masks it too).
function describeMailError(error: unknown, target: EmailTarget): string {
  const { code, responseCode, response, message } = error as MailError;
  if (code === 'DEADLINE') return 'the notification deadline passed';
  if (code === 'ETIMEDOUT' || /timeout/i.test(message ?? '')) return `no answer from ${target.host}:${target.port} within ${target.timeoutMs}ms`;
  if (responseCode !== undefined) return `SMTP ${responseCode}: ${(response ?? message ?? '').replace(/\s+/g, ' ').slice(0, 200)}`;
  return `${code ? `${code}: ` : ''}${(message ?? String(error)).replace(/\s+/g, ' ').slice(0, 200)}`;
}
