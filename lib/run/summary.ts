import type { NotificationOutcome } from '../notify/index.js';
import type { StepRecord } from './build-manifest.js';
import type { Plan } from '../plan/types.js';
import type { CommittedArchive } from '../storage/index.js';

/** What a successful run reports (`--json` prints it). */
export interface RunSummary {
  ok: true;
  profile: string;
  archive: string;
  log: string;
  bytes: number;
  /** sha256 of the zip (lowercase hex), hashed as it was written. */
  sha256: string;
  /** Every copy of the zip (a local path or `s3://bucket/key`), with its size and sha256 as its sink hashed it. */
  copies: Array<{ location: string; bytes: number; sha256: string }>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  steps: Array<{ step: string; kind: string; database: string | null; entries: Array<{ name: string; bytes: number; sha256: string }>; tables: number | null; warnings: string[] }>;
  /**
   * Set when the run verified its backup (`--verify` or the profile's `verify: true`):
   * `record` is the verification record beside the copy that was read (the object in the
   * bucket when there is one), `records` every one written (one beside each copy).
   */
  verify?: { ok: true; record: string | null; records?: string[] };
  /**
   * What the profile's retention removed after the run; null without retention.
   * `held`: why it deleted nothing (a step dumped no table where the previous backup had some).
   * `copies`: per local folder and bucket the run wrote to (absent when it wrote to one local
   * folder only); `deleted`/`failed` sum them up.
   */
  /** What became of the profile's `notify:` targets (absent without any); a failed one never fails the run. */
  notifications?: NotificationOutcome[];
  retention?: { deleted: string[]; failed: number; error?: string; held?: string; copies?: RetentionCopy[] } | null;
}

/** Retention in one place the run wrote to: a local folder or `s3://bucket/prefix/`. */
export interface RetentionCopy {
  location: string;
  /** Archive names deleted there. */
  deleted: string[];
  failed: number;
  /** Why retention could not be applied there (the bucket could not be listed…). */
  error?: string;
}

/** What a finished run wrote, for its summary. */
export interface FinishedRun {
  plan: Plan;
  records: StepRecord[];
  archive: string;
  log: string;
  /** The committed zip: its size, sha256 and copies. */
  finished: CommittedArchive;
  startedAt: Date;
  finishedAt: Date;
}

export function summarize({ plan, records, archive, log, finished, startedAt, finishedAt }: FinishedRun): RunSummary {
  return {
    ok: true,
    profile: plan.profile.name,
    archive,
    log,
    bytes: finished.bytes,
    sha256: finished.sha256,
    copies: (finished.copies ?? [finished]).map(({ location, bytes, sha256 }) => ({ location, bytes, sha256 })),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    steps: records.map(({ step, result, facts }) => ({
      step: step.step,
      kind: step.kind,
      database: step.database,
      entries: result.entries.map(({ name, bytes: size, sha256 }) => ({ name, bytes: size, sha256 })),
      tables: facts?.rowCounts ? Object.keys(facts.rowCounts.tables).length : null,
      warnings: facts?.warnings ?? [],
    })),
  };
}
