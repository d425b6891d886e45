// One HTTP POST with bounded retries: network errors, 5xx and 429 are tried again
// (429/503 after the server's Retry-After, capped), any other 4xx is final. Every
// attempt has its own timeout, and the whole notification phase's deadline stops
// both an attempt and the wait before the next.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PostRequest {
  url: string;
  body: string;
  contentType: string;
  headers?: Readonly<Record<string, string>> | undefined;
  /** Per attempt. */
  timeoutMs: number;
  /** Aborted when the notification phase's deadline passes. */
  deadline: AbortSignal;
  /** When `deadline` fires (epoch ms): no wait is started that would end after it. */
  deadlineAt: number;
  attempts?: number;
  /** The wait before attempt n+1 when the server says nothing: `backoffMs × 2^(n-1)`. */
  backoffMs?: number;
}

export interface PostOutcome {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when one came back. */
  status?: number;
  /** Why it failed (no URL in it). */
  error?: string;
}

export const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 500;
/** The longest Retry-After honoured; a longer one is waited for this long. */
export const RETRY_AFTER_CAP_MS = 30_000;
// What of an error response's body is quoted in the warning.
const BODY_QUOTE = 200;

export async function postWithRetry(request: PostRequest): Promise<PostOutcome> {
  const attempts = request.attempts ?? DEFAULT_ATTEMPTS;
  let last: PostOutcome = { ok: false, attempts: 0, error: 'not sent' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await postOnce(request);
    last = { ...result.outcome, attempts: attempt };
    if (last.ok || !result.retry || attempt === attempts) return last;
    if (request.deadline.aborted) return last;
    const wait = result.retryAfterMs ?? (request.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1);
    if (Date.now() + wait >= request.deadlineAt) return { ...last, error: `${last.error}; no time left for another attempt before the notification deadline` };
    try {
      await sleep(wait, undefined, { signal: request.deadline });
    } catch {
      return last;
    }
  }
  return last;
}

interface AttemptResult {
  outcome: Omit<PostOutcome, 'attempts'>;
  retry: boolean;
  retryAfterMs?: number;
}

async function postOnce(request: PostRequest): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': request.contentType, 'user-agent': 'pgbak', ...request.headers },
      body: request.body,
      signal: AbortSignal.any([timeout, request.deadline]),
    });
  } catch (error) {
    if (request.deadline.aborted) return { outcome: { ok: false, error: 'the notification deadline passed' }, retry: false };
    if (timeout.aborted) return { outcome: { ok: false, error: `no answer within ${formatMs(request.timeoutMs)}` }, retry: true };
    return { outcome: { ok: false, error: describeFetchError(error) }, retry: true };
  }
  const text = await readSome(response);
  if (response.ok) return { outcome: { ok: true, status: response.status }, retry: false };
  const error = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${text ? `: ${text}` : ''}`;
  const retry = response.status === 429 || response.status >= 500;
  const retryAfterMs = retry ? retryAfter(response.headers.get('retry-after')) : undefined;
  return { outcome: { ok: false, status: response.status, error }, retry, ...(retryAfterMs !== undefined && { retryAfterMs }) };
}

// The start of the body (what Slack or Discord say was wrong); the rest is dropped so
// that the connection is released.
async function readSome(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.replace(/\s+/g, ' ').trim().slice(0, BODY_QUOTE);
  } catch {
    return '';
  }
}

/** `Retry-After: 5` or an HTTP date, in ms, capped; undefined when absent or unreadable. */
export function retryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const ms = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), RETRY_AFTER_CAP_MS);
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message && !cause.message.includes(cause.code) ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
