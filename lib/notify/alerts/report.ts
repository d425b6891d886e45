// What a notification says: one run that ended, or backups that went stale. The
// same facts feed every shape (JSON, Slack, Teams, Discord, ping body, e-mail).
import { formatBytes } from '../../log/index.js';

/** A run that ended: success or failure. */
export interface RunNotice {
  event: 'success' | 'failure';
  ok: boolean;
  profile: string;
  /** The machine pgbak ran on. */
  host: string;
  /** The PostgreSQL server (`host:port`), when the configuration got that far. */
  server: string | null;
  databases: string[];
  /** On failure: pgbak's error code, the exit code and the one-line message. */
  error?: { code: string; exitCode: number; message: string; hint?: string };
  /** The archive's first copy, and every copy (paths, `s3://bucket/key`). */
  archive: string | null;
  locations: string[];
  /** The run log beside the archive. */
  log: string | null;
  bytes: number | null;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
  version: string;
}

/** One (profile, database) as `status` found it. */
export interface StaleGroup {
  database: string;
  stale: boolean;
  /** The newest run failed. */
  failing: boolean;
  lastSuccess: { file: string; startedAt: string; ageMs: number } | null;
  lastFailure: { failedAt: string; reason: string } | null;
}

/** `pgbak status --notify`: one profile's backups that are stale or whose last run failed. */
export interface StaleNotice {
  event: 'stale';
  ok: false;
  profile: string;
  host: string;
  /** The folder or `s3://bucket/prefix/` status looked at. */
  location: string;
  databases: string[];
  checkedAt: string;
  maxAgeMs: number | null;
  groups: StaleGroup[];
  /** status' own lines (`STALE nightly/app: newest backup … is 3d old, limit 26h`). */
  problems: string[];
  version: string;
}

export type Notice = RunNotice | StaleNotice;

/** One line that says it all: a subject, a chat message's first line. */
export function noticeTitle(notice: Notice): string {
  if (notice.event === 'stale') {
    const stale = notice.groups.filter((group) => group.stale).length;
    const failing = notice.groups.filter((group) => group.failing && !group.stale).length;
    const what = [stale > 0 || notice.groups.length === 0 ? `STALE` : null, failing > 0 ? `last run FAILED` : null].filter(Boolean).join(', ');
    return `pgbak: ${what}: profile ${notice.profile} in ${notice.location}`;
  }
  const where = `profile ${notice.profile} on ${notice.host}`;
  if (notice.ok) return `pgbak: backup ok: ${where}${notice.bytes !== null ? `, ${formatBytes(notice.bytes)}` : ''} in ${seconds(notice.durationMs)}`;
  return `pgbak: backup FAILED: ${where}${notice.error ? ` (${notice.error.code})` : ''}`;
}

/** The facts as `label: value` pairs, in the order people read them. */
export function noticeFields(notice: Notice): Array<[string, string]> {
  if (notice.event === 'stale') {
    const fields: Array<[string, string]> = [
      ['Location', notice.location],
      ['Host', notice.host],
      ['Databases', notice.databases.join(', ') || '-'],
      ['Max age', notice.maxAgeMs === null ? '-' : seconds(notice.maxAgeMs)],
    ];
    for (const problem of notice.problems) fields.push(['Problem', problem]);
    for (const group of notice.groups.filter((g) => g.failing && g.lastFailure)) {
      fields.push([`Last run of ${group.database}`, `failed ${group.lastFailure!.failedAt}: ${group.lastFailure!.reason}`]);
    }
    return fields;
  }
  const fields: Array<[string, string]> = [
    ['Profile', notice.profile],
    ['Host', notice.host],
  ];
  if (notice.server) fields.push(['Server', notice.server]);
  fields.push(['Databases', notice.databases.join(', ') || '-']);
  if (notice.error) fields.push(['Error', `${notice.error.code} (exit ${notice.error.exitCode}): ${notice.error.message}`]);
  if (notice.error?.hint) fields.push(['Hint', notice.error.hint]);
  for (const location of notice.locations) fields.push(['Archive', location]);
  if (notice.bytes !== null) fields.push(['Size', formatBytes(notice.bytes)]);
  fields.push(['Duration', seconds(notice.durationMs)], ['Started', notice.startedAt], ['Finished', notice.finishedAt]);
  if (notice.log) fields.push(['Log', notice.log]);
  return fields;
}

/** A short plain-text summary: the title, then one fact a line (ping bodies, e-mail). */
export function noticeText(notice: Notice): string {
  return [noticeTitle(notice), '', ...noticeFields(notice).map(([label, value]) => `${label}: ${value}`), '', `pgbak ${notice.version}`].join('\n');
}

function seconds(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${(ms / 1000).toFixed(1)}s`;
}
