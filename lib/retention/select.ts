import type { RetentionPolicy } from '../config/profile-schema.js';
import { periodKey, type Period } from './periods.js';

/** What the rule needs to know about a backup; `scanBackups` results fit. */
export interface RetentionCandidate {
  profile: string;
  database: string;
  /** The manifest's start time, ISO 8601 UTC: the rule works on it, never on file times. */
  startedAt: string;
  /** Tie-breaker for equal timestamps (`…-2.zip` sorts after its first run). */
  file?: string;
  /** Verification recorded beside the zip, if any. */
  verification?: { ok: boolean } | null;
}

/** A rule that can keep a backup. */
export type KeepRule =
  | 'keep-last'
  | 'keep-daily'
  | 'keep-weekly'
  | 'keep-monthly'
  | 'keep-yearly'
  /** Safety: the newest backup whose verification passed is never deleted. */
  | 'newest-verified'
  /** Safety: without a verified backup, the newest backup is never deleted. */
  | 'newest'
  /** The policy sets no keep-* above 0: nothing is deleted. */
  | 'no-policy'
  /** The zip holds another database too, whose group keeps it (`database` names it). */
  | 'other-database';

/** Why a backup is kept: the rule, and for time-based rules the UTC period it stands for. */
export interface KeepReason {
  rule: KeepRule;
  /** `2026-11-22`, `2026-W47`, `2026-11` or `2026`; absent for the other rules. */
  period?: string;
  /** For `other-database`: the database whose group keeps the zip. */
  database?: string;
}

/** The rule's verdict on one backup. */
export interface RetentionDecision<T extends RetentionCandidate> {
  backup: T;
  keep: boolean;
  /** Every rule that keeps it (a backup may satisfy several); empty when it goes. */
  reasons: KeepReason[];
}

const periodRules: Array<[Exclude<keyof RetentionPolicy, 'keepLast'>, KeepRule, Period]> = [
  ['keepDaily', 'keep-daily', 'daily'],
  ['keepWeekly', 'keep-weekly', 'weekly'],
  ['keepMonthly', 'keep-monthly', 'monthly'],
  ['keepYearly', 'keep-yearly', 'yearly'],
];

/** Whether the policy keeps something less than everything (some keep-* above 0). */
export function hasRetention(policy: RetentionPolicy | null | undefined): policy is RetentionPolicy {
  return policy != null && Object.values(policy).some((count) => typeof count === 'number' && count > 0);
}

/**
 * Grandfather-father-son retention with restic/borg semantics, per (profile,
 * database): `keepLast` N newest; `keepDaily` N = the newest backup of each of the
 * last N UTC days *that have backups* (likewise ISO weeks, months, years), so a
 * paused schedule never makes old backups expire. The newest verified backup (or,
 * without one, the newest) is always kept; a policy without any keep-* above 0
 * keeps everything. Decisions come back in the order of `backups`.
 */
export function selectToKeep<T extends RetentionCandidate>(backups: readonly T[], policy: RetentionPolicy | null | undefined): RetentionDecision<T>[] {
  const reasons = new Map<T, KeepReason[]>(backups.map((backup) => [backup, []]));
  for (const group of groupBackups(backups)) {
    if (!hasRetention(policy)) {
      for (const backup of group) reasons.get(backup)!.push({ rule: 'no-policy' });
      continue;
    }
    applyRules(group, policy, reasons);
    const safe = group.find((backup) => backup.verification?.ok === true);
    reasons.get(safe ?? group[0]!)!.push({ rule: safe ? 'newest-verified' : 'newest' });
  }
  return backups.map((backup) => {
    const why = reasons.get(backup)!;
    return { backup, keep: why.length > 0, reasons: why };
  });
}

/** Backups per (profile, database), groups sorted by profile then database, each newest first. */
export function groupBackups<T extends RetentionCandidate>(backups: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const backup of backups) {
    const key = JSON.stringify([backup.profile, backup.database]);
    groups.set(key, [...(groups.get(key) ?? []), backup]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => group.sort(newestFirst));
}

function applyRules<T extends RetentionCandidate>(newestFirstGroup: T[], policy: RetentionPolicy, reasons: Map<T, KeepReason[]>): void {
  newestFirstGroup.slice(0, policy.keepLast ?? 0).forEach((backup) => reasons.get(backup)!.push({ rule: 'keep-last' }));
  for (const [key, rule, period] of periodRules) {
    let left = policy[key] ?? 0;
    let previous: string | undefined;
    // Newest first, so the first backup seen in a period is that period's newest.
    for (const backup of newestFirstGroup) {
      if (left === 0) break;
      const key = periodKey(period, new Date(backup.startedAt));
      if (key === previous) continue;
      previous = key;
      left--;
      reasons.get(backup)!.push({ rule, period: key });
    }
  }
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  const byTime = Date.parse(b.startedAt) - Date.parse(a.startedAt);
  if (byTime !== 0) return byTime;
  return compareFiles(b.file ?? '', a.file ?? '');
}

// `x-2.zip` is newer than `x.zip` (second run within the same second): the run
// number decides between names that differ only in it.
function compareFiles(a: string, b: string): number {
  const [baseA, runA] = splitRun(a);
  const [baseB, runB] = splitRun(b);
  if (baseA === baseB) return runA - runB;
  return baseA < baseB ? -1 : baseA > baseB ? 1 : 0;
}

function splitRun(file: string): [string, number] {
  const match = /^(.*Z)(?:-(\d+))?\.zip(?:\.age)?$/.exec(file);
  return match ? [match[1]!, Number(match[2] ?? 1)] : [file, 1];
}

/** `keep-daily 2026-11-22, newest-verified`: the reasons as one line. */
export function describeReasons(reasons: readonly KeepReason[]): string {
  return reasons.map((reason) => (reason.period ? `${reason.rule} ${reason.period}` : reason.database ? `kept for database ${reason.database}` : reason.rule)).join(', ');
}
