// Who owns a file pgbak leaves while it works (the run lock, the run log, temp
// folders): a process identity precise enough to tell, later and from another
// pgbak process, whether that owner is gone — so leftovers of a killed run can be
// removed and those of a live run never are.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A process, as recorded in a lock, a run log or a temp folder. */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** Linux boot id: a pid from an earlier boot is gone whatever runs under it now. */
  bootId: string | null;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat): tells a reused pid apart. */
  startTicks: string | null;
}

/** What can be said of an owner from here. */
export type OwnerState = 'self' | 'alive' | 'gone' | 'unknown';

/** The file inside a temp folder that names its owner. */
export const OWNER_FILE = 'owner.json';

let self: Promise<ProcessOwner> | undefined;

/** This process. */
export function currentOwner(): Promise<ProcessOwner> {
  self ??= (async () => ({ pid: process.pid, host: hostname(), bootId: await readBootId(), startTicks: await readStartTicks(process.pid) }))();
  return self;
}

/**
 * `gone` only when that is certain: same host and no such pid, or the pid now
 * belongs to a process that started at another time, or the machine rebooted since.
 * An owner on another host (shared storage) is `unknown`: never judged gone.
 */
export async function ownerState(owner: ProcessOwner): Promise<OwnerState> {
  if (owner.host !== hostname()) return 'unknown';
  const me = await currentOwner();
  if (owner.bootId !== null && me.bootId !== null && owner.bootId !== me.bootId) return 'gone';
  if (owner.pid === me.pid && (owner.startTicks === null || owner.startTicks === me.startTicks)) return 'self';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  if (owner.startTicks === null) return 'alive';
  const now = await readStartTicks(owner.pid);
  // Exited between the two looks, or a new process under the old pid.
  if (now === null) return (await readBootId()) === null ? 'alive' : 'gone';
  return now === owner.startTicks ? 'alive' : 'gone';
}

/** Whether that owner is certainly gone. */
export async function isOwnerGone(owner: ProcessOwner): Promise<boolean> {
  return (await ownerState(owner)) === 'gone';
}

/** An owner read back from JSON; null when it is not one. Older records lack bootId/startTicks. */
export function parseOwner(value: unknown): ProcessOwner | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!Number.isInteger(record.pid) || (record.pid as number) <= 0 || typeof record.host !== 'string') return null;
  return {
    pid: record.pid as number,
    host: record.host,
    bootId: typeof record.bootId === 'string' ? record.bootId : null,
    startTicks: typeof record.startTicks === 'string' ? record.startTicks : null,
  };
}

/**
 * `mkdtemp(<parent>/<prefix>)` (0700) with an owner file inside, so that a folder
 * left by a killed run can be told from one in use. The owner file is written
 * before the folder is used; a folder without one is never judged abandoned.
 */
export async function createOwnedTempDir(parent: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  try {
    await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(await currentOwner())}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** The owner a temp folder names, or null (no owner file, or not one pgbak wrote). */
export async function readDirOwner(dir: string): Promise<ProcessOwner | null> {
  try {
    return parseOwner(JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')));
  } catch {
    return null;
  }
}

async function readBootId(): Promise<string | null> {
  try {
    return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

// Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and
// parentheses, so count from the last ')'.
async function readStartTicks(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
