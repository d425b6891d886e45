// A run to S3 loads the AWS SDK when its sink gets ready. pg_dump's step asks the archive to
// get ready as soon as the tool has started — while it connects and reads its catalog — and
// not at its first byte: a load at the first byte held the dump's first bytes for its whole
// length (pg_dump stops once its 64 KiB pipe is full; BENCHMARKS.md, s3tail).
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runDumpStep } from '../../../lib/engines/pgdump/run-step.js';
import type { StepContext } from '../../../lib/engines/step.js';
import { createLogger, createProgress } from '../../../lib/log/index.js';
import type { PgDumpPlanStep } from '../../../lib/plan/types.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();

describe('the pg_dump step and the archive sink', () => {
  it('asks the archive to get ready when the tool has started, before its first byte', async () => {
    const dir = tempDir();
    const tool = join(dir, 'fake-pg_dump');
    // Starts, waits (as pg_dump reads its catalog), then writes its output.
    await writeFile(tool, '#!/bin/sh\nsleep 0.3\nprintf "dump bytes"\n');
    await chmod(tool, 0o755);
    const events: Array<{ what: string; at: number }> = [];
    const started = Date.now();
    const zip: StepContext['zip'] = {
      prepare: () => void events.push({ what: 'prepare', at: Date.now() - started }),
      addStream: async (name: string, source: Readable) => {
        events.push({ what: 'first byte', at: Date.now() - started });
        let bytes = 0;
        for await (const chunk of source) bytes += (chunk as Buffer).length;
        return { name, bytes, sha256: '0'.repeat(64), compressed: false };
      },
      addBuffer: async () => {
        throw new Error('not used');
      },
      addFile: async () => {
        throw new Error('not used');
      },
    };
    const step = {
      step: 'full',
      database: 'app',
      engine: 'pg_dump',
      tool: { path: tool, name: 'pg_dump', version: { text: '15.0' } },
      args: [],
      env: {},
      output: { type: 'stream', entry: 'full/app.dump', compress: false },
    } as unknown as PgDumpPlanStep;
    const ctx: StepContext = {
      zip,
      logger: createLogger({ level: 'quiet' }),
      progress: createProgress({ stream: process.stderr, enabled: false }),
      signal: new AbortController().signal,
      password: undefined,
      scratchDir: dir,
    };
    const result = await runDumpStep(step, null, ctx);
    expect(result.entries.map((entry) => entry.bytes)).toEqual([10]);
    expect(events.map((event) => event.what)).toEqual(['prepare', 'first byte']);
    // Right after the spawn, not once the tool wrote.
    expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(200);
  });
});
