// The run log beside a zip (`<name>.log`, JSON lines) outlives a failed run: it is
// the record of that failure. Its first record names the run (RUN_RECORD_KEY).
import { open } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { ownerState, parseOwner, type OwnerState, type ProcessOwner } from '../process/owner.js';
import type { BackupRepository, RepositoryObject } from '../storage/index.js';

/** Metadata key of the run log's first record: profile, databases, archive and owner of the run. */
export const RUN_RECORD_KEY = 'pgbakRun';

/** The message prefix of the record a failed run ends its log with. */
export const FAILURE_PREFIX = 'run failed, no backup was written: ';

/** Metadata key of the failure record: the error's code (PgbakError's, e.g. STEP_FAILED). */
export const FAILURE_CODE_KEY = 'errorCode';

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
  /** The failure record, when the run wrote one (`code`: absent in logs of older pgbak). */
  failure: { at: string; message: string; code?: string } | null;
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
  return parseRunLog(lines, path, file);
}

/**
 * Reads a run log in a repository: a folder's as {@link readRunLog}; a bucket's with one
 * GET (or two ranged GETs for a long log). Null when it is gone since the listing or is
 * not a run log; the storage failing (access denied, unreachable) throws, as for a zip.
 */
export async function readRunLogIn(repository: BackupRepository, object: RepositoryObject): Promise<RunLogInfo | null> {
  const path = repository.locate(object.name);
  if (repository.folder !== null) return readRunLog(path, object.name);
  let text: string | null;
  if (object.size <= headBytes + tailBytes) {
    text = await repository.readSmall(object.name, headBytes + tailBytes);
  } else {
    const source = await repository.openSource(object.name);
    try {
      const head = (await buffer(source.readStream(0, headBytes))).toString('utf8');
      const tail = (await buffer(source.readStream(source.size - tailBytes, source.size))).toString('utf8');
      return parseRunLog([...splitLines(head).slice(0, -1), ...splitLines(tail).slice(1)], path, object.name);
    } finally {
      await source.close();
    }
  }
  return text === null ? null : parseRunLog(splitLines(text), path, object.name);
}

function parseRunLog(lines: string[], path: string, file: string): RunLogInfo | null {
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
  const code = failureRecord?.[FAILURE_CODE_KEY];
  return {
    path,
    file,
    run,
    startedAt: first.time as string,
    lastAt: timed[timed.length - 1]!.time as string,
    failure: failureRecord
      ? { at: failureRecord.time as string, message: (failureRecord.message as string).slice(FAILURE_PREFIX.length), ...(typeof code === 'string' && { code }) }
      : null,
  };
}

/** How a log without its zip came to be. */
export type RunLogState = { state: 'running' | 'unknown'; owner: OwnerState } | { state: 'failed'; reason: string; at: string; code?: string };

/**
 * A log whose zip does not exist: failed (it says so, or its process is gone
 * without finishing: killed), or its run is still going (or runs on another host).
 */
export async function judgeRunLog(log: RunLogInfo): Promise<RunLogState> {
  if (log.failure) return { state: 'failed', reason: log.failure.message, at: log.failure.at, ...(log.failure.code !== undefined && { code: log.failure.code }) };
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
