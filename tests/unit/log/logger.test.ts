import { jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { PgbakError } from '../../../lib/errors.js';
import { createLogger, type ConsoleLevel } from '../../../lib/log/logger.js';
import { mountSmallTmpfs } from '../../support/small-tmpfs.js';

function captureStream() {
  const lines: string[] = [];
  let buffer = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
      callback();
    },
  });
  return { stream, lines };
}

function logEveryLevel(level: ConsoleLevel, color = false) {
  const out = captureStream();
  const logger = createLogger({ level, stderr: out.stream, color });
  logger.error('e');
  logger.warn('w');
  logger.info('i');
  logger.verbose('v');
  logger.debug('d', { table: 'public.t' });
  return out.lines;
}

describe('createLogger console output', () => {
  it('prints only errors when quiet', () => {
    expect(logEveryLevel('quiet')).toEqual(['pgbak: error: e']);
  });

  it('prints info and above, prefixing warnings and errors, when normal', () => {
    expect(logEveryLevel('normal')).toEqual(['pgbak: error: e', 'pgbak: warning: w', 'pgbak: i']);
  });

  it('adds verbose lines when verbose', () => {
    expect(logEveryLevel('verbose')).toEqual(['pgbak: error: e', 'pgbak: warning: w', 'pgbak: i', 'pgbak: v']);
  });

  it('adds debug lines with their metadata when debug', () => {
    expect(logEveryLevel('debug')).toEqual(['pgbak: error: e', 'pgbak: warning: w', 'pgbak: i', 'pgbak: v', 'pgbak: debug: d (table=public.t)']);
  });

  it('colours only when asked', () => {
    expect(logEveryLevel('quiet', true)).toEqual(['pgbak: \x1b[31merror: e\x1b[0m']);
    expect(logEveryLevel('normal').join('')).not.toContain('\x1b[');
  });

  it('writes to process.stderr by default, never to stdout', () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      createLogger({ level: 'normal' }).info('hello');
      expect(stderr).toHaveBeenCalledWith('pgbak: hello\n');
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('redacts a secret added later from messages and metadata', () => {
    const out = captureStream();
    const logger = createLogger({ level: 'debug', stderr: out.stream });
    logger.info('before: hunter2');
    logger.addSecret('hunter2');
    logger.info('login as app with hunter2', { conninfo: 'password=hunter2 host=db', detail: 'x hunter2' });
    logger.warn('dsn postgres://app:other@db/app');
    expect(out.lines).toEqual([
      'pgbak: before: hunter2',
      'pgbak: login as app with *** (conninfo=password=*** host=db, detail=x ***)',
      'pgbak: warning: dsn postgres://app:***@db/app',
    ]);
  });
});

describe('createLogger console is best effort', () => {
  it('keeps logging, without throwing, after its console stream broke (EPIPE) or was destroyed', async () => {
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const logger = createLogger({ level: 'normal', stderr: broken });
    logger.info('one');
    await new Promise((resolve) => setImmediate(resolve));
    expect(broken.destroyed).toBe(true);
    expect(() => logger.warn('two')).not.toThrow();
    const gone = captureStream();
    gone.stream.destroy();
    const other = createLogger({ level: 'normal', stderr: gone.stream });
    expect(() => other.info('three')).not.toThrow();
    expect(gone.lines).toEqual([]);
  });
});

describe('createLogger run log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pgbak-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records every level as JSON lines in a 0600 file, flushed when close() resolves', async () => {
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    logger.info('not recorded: before attach');
    await logger.attachRunLog(file);
    logger.debug('starting', { step: 'full', jobs: 2 });
    logger.error('failed', { code: 'STEP_FAILED', message: 'meta cannot override the message' });
    await logger.close();

    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'debug', message: 'starting', step: 'full', jobs: 2 },
      { time: expect.any(String), level: 'error', message: 'failed', code: 'STEP_FAILED' },
    ]);
    expect(Object.keys(records[0] ?? {})).toEqual(['time', 'level', 'message', 'step', 'jobs']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps every line of a burst of thousands, on disk and in memory for the zip (winston dropped the tail)', async () => {
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    await logger.attachRunLog(file);
    for (let i = 0; i < 20_000; i += 1) logger.verbose(`line ${i}`, { i, padding: 'x'.repeat(100) });
    // Complete at once, without waiting for the file.
    expect(logger.runLogRecords().split('\n')).toHaveLength(20_001);
    await logger.close();
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk).toBe(logger.runLogRecords());
    expect(onDisk.trimEnd().split('\n').at(-1)).toContain('"message":"line 19999"');
  });

  it('writes lines logged in one tick to the file soon after, without waiting for close() (they are written together)', async () => {
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    await logger.attachRunLog(file);
    logger.info('first');
    logger.verbose('second');
    await new Promise((resolve) => setTimeout(resolve, 200));
    logger.info('third, a tick later');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => (JSON.parse(line) as { message: string }).message);
    expect(before).toEqual(['first', 'second', 'third, a tick later']);
    await logger.close();
    expect(await readFile(file, 'utf8')).toBe(logger.runLogRecords());
  });

  it('writes a line of info or above at once with the verbose lines before it, and verbose lines alone after a short wait', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const file = path.join(dir, 'run.log');
      const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
      await logger.attachRunLog(file);
      const messagesOnDisk = async (count: number) => {
        // Real I/O, polled without timers (they are fake here).
        for (let i = 0; i < 5_000; i++) {
          const text = await readFile(file, 'utf8');
          const lines = text === '' ? [] : text.trimEnd().split('\n');
          if (lines.length >= count) return lines.map((line) => (JSON.parse(line) as { message: string }).message);
          await new Promise((resolve) => setImmediate(resolve));
        }
        return 'timed out';
      };
      logger.verbose('pg_dump: reading schemas');
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(await readFile(file, 'utf8')).toBe('');
      logger.info('run record');
      expect(await messagesOnDisk(2)).toEqual(['pg_dump: reading schemas', 'run record']);
      logger.debug('later');
      jest.advanceTimersByTime(50);
      expect(await messagesOnDisk(3)).toEqual(['pg_dump: reading schemas', 'run record', 'later']);
      await logger.close();
    } finally {
      jest.useRealTimers();
    }
  });

  it('never writes a secret to the run log, in messages or in metadata', async () => {
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    logger.addSecret('Tr0ub4dor&3');
    await logger.attachRunLog(file);
    logger.info('connecting with Tr0ub4dor&3', { env: { PGPASSWORD: 'Tr0ub4dor&3', PGHOST: 'db' }, argv: ['psql', 'password=Tr0ub4dor&3'] });
    logger.debug('url postgres://u:Tr0ub4dor&3@db/app');
    await logger.close();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('Tr0ub4dor');
    expect(JSON.parse(text.split('\n')[0] ?? '')).toMatchObject({ message: 'connecting with ***', env: { PGPASSWORD: '***', PGHOST: 'db' } });
  });

  it('creates the run log 0600 even when the umask is permissive', async () => {
    const file = path.join(dir, 'run.log');
    const old = process.umask(0o000);
    try {
      const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
      await logger.attachRunLog(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await logger.close();
    } finally {
      process.umask(old);
    }
  });

  it('fails with OUTPUT_NOT_WRITABLE when the run log cannot be created', async () => {
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    await expect(logger.attachRunLog(path.join(dir, 'missing', 'run.log'))).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE' });
    await expect(logger.attachRunLog(path.join(dir, 'missing', 'run.log'))).rejects.toBeInstanceOf(PgbakError);
  });

  it('keeps printing to the console after close, without recording', async () => {
    const out = captureStream();
    const logger = createLogger({ level: 'normal', stderr: out.stream });
    await logger.attachRunLog(path.join(dir, 'run.log'));
    logger.info('one');
    await logger.close();
    logger.info('two');
    await logger.close();
    expect(out.lines).toEqual(['pgbak: one', 'pgbak: two']);
    expect(logger.runLogRecords().trimEnd().split('\n')).toHaveLength(1);
  });

  it('releases the file descriptor once closed, so nothing is left open', async () => {
    const file = path.join(dir, 'run.log');
    const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
    await logger.attachRunLog(file);
    logger.info('x');
    await logger.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const openFiles = await listOpenFiles();
    if (openFiles) expect(openFiles).not.toContain(file);
  });

  it('refuses to create the run log where anything is, a symlink (dangling or not) included, leaving its target alone', async () => {
    const victim = path.join(dir, 'victim');
    await writeFile(victim, 'precious\n');
    await symlink(victim, path.join(dir, 'linked.log'));
    await symlink(path.join(dir, 'nowhere'), path.join(dir, 'dangling.log'));
    for (const name of ['linked.log', 'dangling.log']) {
      const logger = createLogger({ level: 'quiet', stderr: captureStream().stream });
      const attempt = logger.attachRunLog(path.join(dir, name));
      await expect(attempt).rejects.toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', cause: expect.objectContaining({ code: 'EEXIST' }) });
      logger.info('nothing goes anywhere');
      await logger.close();
    }
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('says once that a full disk stopped the run log, and close() still resolves (it never settled)', async () => {
    const tmpfs = await mountSmallTmpfs('1m');
    if ('skipped' in tmpfs) return void console.warn(`skipped: ${tmpfs.skipped}`);
    try {
      await writeFile(path.join(tmpfs.dir, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
      const out = captureStream();
      const logger = createLogger({ level: 'normal', stderr: out.stream });
      await logger.attachRunLog(path.join(tmpfs.dir, 'run.log'));
      for (let i = 0; i < 2000; i += 1) logger.verbose(`line ${i} ${'x'.repeat(200)}`);
      await logger.close();
      expect(out.lines).toEqual([expect.stringMatching(/^pgbak: warning: run log .*run\.log: no space left on device \(ENOSPC\)$/)]);
      expect(logger.runLogRecords().split('\n')).toHaveLength(2001);
    } finally {
      await tmpfs.unmount();
    }
  });

  it('closes cleanly when no run log was attached', async () => {
    await expect(createLogger({ level: 'quiet', stderr: captureStream().stream }).close()).resolves.toBeUndefined();
  });
});

/** Paths this process holds open (Linux /proc), or undefined where that is not available. */
async function listOpenFiles(): Promise<string[] | undefined> {
  const fds = await readdir('/proc/self/fd').catch(() => undefined);
  if (!fds) return undefined;
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets;
}
