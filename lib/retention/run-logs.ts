// The run log beside a zip (`<name>.log`, JSON lines) outlives a failed run: it is
// the record of that failure. Its first record names the run (RUN_RECORD_KEY).
import { open } from 'node:fs/promises';
import { ownerState, parseOwner, type OwnerState, type ProcessOwner } from '../process/owner.js';

/** Metadata key of the run log's first record: profile, databases, archive and owner of the run. */
export const RUN_RECORD_KEY = 'pgbakRun';

/** The message prefix of the record a failed run ends its log with. */
export const FAILURE_PREFIX = 'run failed, no backup was written: ';

/** What the first record of a run log says about its run. */
export interface RunRecord {
  profile: string;
  databases: string[];
  /** The zip's file name the run was writing. */
  archive: string;
  owner: ProcessOwner;
}

/** A run log read back. */
export interface RunLogInfo {
  path: string;
  file: string;
  run: RunRecord;
  /** Time of the first record: when the run started. */
  startedAt: string;
  /** Time of the last record. */
  lastAt: string;
  /** The failure record, when the run wrote one. */
  failure: { at: string; message: string } | null;
}

// The head holds the run record, the tail the failure: no need to read a long log whole.
const headBytes = 64 * 1024;
const tailBytes = 256 * 1024;

/** Reads a run log; null when it is not one with a run record (an older pgbak's, or foreign). */
export async function readRunLog(path: string, file: string): Promise<RunLogInfo | null> {
  let lines: string[];
  try {
    lines = await readHeadAndTail(path);
  } catch {
    return null;
  }
  const records = lines.flatMap((line) => {
    try {
      const json = JSON.parse(line) as Record<string, unknown>;
      return typeof json === 'object' && json !== null ? [json] : [];
    } catch {
      return [];
    }
  });
  const first = records[0];
  const run = first ? parseRunRecord(first[RUN_RECORD_KEY]) : null;
  if (!first || !run || !isTime(first.time)) return null;
  const timed = records.filter((record) => isTime(record.time));
  // Only the run's own closing record says it failed: a running run may log an error line and go on.
  const failureRecord = [...timed].reverse().find((record) => typeof record.message === 'string' && record.message.startsWith(FAILURE_PREFIX));
  return {
    path,
    file,
    run,
    startedAt: first.time as string,
    lastAt: timed[timed.length - 1]!.time as string,
    failure: failureRecord ? { at: failureRecord.time as string, message: (failureRecord.message as string).slice(FAILURE_PREFIX.length) } : null,
  };
}

/** How a log without its zip came to be. */
export type RunLogState = { state: 'running' | 'unknown'; owner: OwnerState } | { state: 'failed'; reason: string; at: string };

/**
 * A log whose zip does not exist: failed (it says so, or its process is gone
 * without finishing: killed), or its run is still going (or runs on another host).
 */
export async function judgeRunLog(log: RunLogInfo): Promise<RunLogState> {
  if (log.failure) return { state: 'failed', reason: log.failure.message, at: log.failure.at };
  const owner = await ownerState(log.run.owner);
  if (owner === 'gone') {
    return { state: 'failed', at: log.lastAt, reason: `the run ended without finishing: process ${log.run.owner.pid} is gone (killed?); its last record is from ${log.lastAt}` };
  }
  return { state: owner === 'unknown' ? 'unknown' : 'running', owner };
}

function parseRunRecord(value: unknown): RunRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const owner = parseOwner(record.owner);
  const databases = Array.isArray(record.databases) && record.databases.every((d) => typeof d === 'string') ? (record.databases as string[]) : null;
  if (!owner || typeof record.profile !== 'string' || !databases || databases.length === 0 || typeof record.archive !== 'string') return null;
  return { profile: record.profile, databases, archive: record.archive, owner };
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

async function readHeadAndTail(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size <= headBytes + tailBytes) return splitLines((await handle.readFile()).toString('utf8'));
    const head = Buffer.alloc(headBytes);
    await handle.read(head, 0, headBytes, 0);
    const tail = Buffer.alloc(tailBytes);
    await handle.read(tail, 0, tailBytes, size - tailBytes);
    const headLines = splitLines(head.toString('utf8')).slice(0, -1);
    const tailLines = splitLines(tail.toString('utf8')).slice(1);
    return [...headLines, ...tailLines];
  } finally {
    await handle.close();
  }
}

function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
