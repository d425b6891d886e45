// Pushing a run's metrics to a Prometheus Pushgateway, for runs no node_exporter
// scrapes (a CronJob pod lives for minutes). One request per backup group: its labels
// are the grouping key, `/metrics/job/<job>/profile/<p>/database/<d>/host/<h>`.
//
// POST, not PUT: a PUT replaces every metric of the group, so a failed run would wipe
// the last success (the gateway is the only memory a pod has). A POST replaces only the
// families it sends: a failure sends last failure, last run success and duration and the
// last success stays; a success sends its families and the last failure stays.
import { PgbakError } from '../../errors.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition, type Sample } from './exposition.js';
import { GROUP_LABELS } from './families.js';
import { runSamples, type RunOutcome } from './run-metrics.js';

/** The profile's `metrics.pushgateway`. */
export interface PushgatewaySettings {
  url: string;
  job?: string | undefined;
  timeoutMs?: number | undefined;
}

const DEFAULT_JOB = 'pgbak';
const DEFAULT_TIMEOUT_MS = 10_000;

/** One grouping label as a path segment pair: percent-encoded, or base64url where a `/` (or an empty or dot value) cannot travel in a path. */
export function groupingSegment(name: string, value: string): string {
  if (value === '' || value === '.' || value === '..' || value.includes('/')) {
    const encoded = Buffer.from(value, 'utf8').toString('base64url');
    return `${name}@base64/${encoded === '' ? '=' : encoded}`;
  }
  return `${name}/${encodeURIComponent(value)}`;
}

/** The URL path (after the gateway's base) for a job and grouping labels. */
export function groupingPath(job: string, labels: Readonly<Record<string, string>>): string {
  return ['/metrics', groupingSegment('job', job), ...GROUP_LABELS.filter((name) => name in labels).map((name) => groupingSegment(name, labels[name]!))].join('/');
}

/** The gateway URL without credentials or query: what messages may show. */
export function describeGateway(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
  } catch {
    return 'the Pushgateway';
  }
}

/**
 * Pushes the run's series, one POST per database, each bounded by the timeout.
 * Throws on the first that fails (the caller warns; a push never fails a run).
 */
export async function pushRunMetrics(settings: PushgatewaySettings, outcome: RunOutcome, fetchImpl: typeof fetch = fetch): Promise<void> {
  const base = new URL(settings.url);
  const headers: Record<string, string> = { 'content-type': EXPOSITION_CONTENT_TYPE };
  // fetch refuses URLs with credentials: basic auth travels in the header.
  if (base.username || base.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  const byGroup = new Map<string, Sample[]>();
  for (const sample of runSamples(outcome)) {
    const path = groupingPath(settings.job ?? DEFAULT_JOB, sample.labels);
    // The grouping key carries the labels; the gateway adds them to each series.
    byGroup.set(path, [...(byGroup.get(path) ?? []), { ...sample, labels: {} }]);
  }
  for (const [path, samples] of byGroup) {
    const target = new URL(base.toString());
    target.pathname = `${base.pathname.replace(/\/$/, '')}${path}`;
    await pushOne(target, headers, renderExposition({ samples }), settings, fetchImpl);
  }
}

async function pushOne(target: URL, headers: Record<string, string>, body: string, settings: PushgatewaySettings, fetchImpl: typeof fetch): Promise<void> {
  const where = describeGateway(settings.url);
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    // No redirects: the credentials go to the gateway named, nowhere else.
    response = await fetchImpl(target, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    // A DOMException: not always an `instanceof Error` across realms.
    const name = (error as { name?: unknown } | null)?.name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const why = timedOut ? `no answer within ${timeoutMs} ms` : describeFetchError(error);
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `metrics were not pushed to ${where}: ${why}`, { hint: 'check metrics.pushgateway.url and that the Pushgateway runs' });
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const detail = text.trim().split('\n')[0]?.slice(0, 200);
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `metrics were not pushed to ${where}: HTTP ${response.status}${detail ? `: ${detail}` : ''}`, {
      hint: 'check metrics.pushgateway.url and job',
    });
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.code;
  return (error as { message?: string } | null)?.message ?? String(error);
}
