import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ManifestStep, ZipReader } from '../archive/index.js';
import type { Env } from '../config/env-file.js';
import type { ToolInfo } from '../tools/index.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { runTool, type ToolContext } from './run-tool.js';
import { scanSequenceSets, type SequenceValues } from './sequence-sets.js';
import type { RestoreItem } from './types.js';

// `3345; 0 0 SEQUENCE SET public orders_id_seq postgres` in pg_restore --list.
const sequenceSetLine = /^\d+; \d+ \d+ SEQUENCE SET /;

/**
 * The value each sequence gets from the step's dump itself, which is what a
 * restore must bring back. Sequences are not transactional: a value read at
 * another moment than the dump's own (the manifest's `sequences`) differs on a
 * busy database. The native engine records what it wrote (`dumpedSequences`);
 * for pg_dump output the SEQUENCE SET entries are read from the dump: a plain
 * script is scanned as a stream, the other formats through pg_restore
 * (`--list`, then `--use-list` of just those entries to stdout).
 */
export async function readDumpedSequences(
  step: ManifestStep,
  item: RestoreItem,
  reader: ZipReader,
  pgRestore: ToolInfo | null,
  env: Env,
  ctx: ToolContext,
): Promise<SequenceValues> {
  if (step.dumpedSequences) {
    const out: SequenceValues = {};
    for (const [name, value] of Object.entries(step.dumpedSequences)) if (value.lastValue !== null) out[name] = { lastValue: value.lastValue, isCalled: value.isCalled };
    return out;
  }
  if (item.input.type === 'entry' && item.format === 'plain') {
    const source = await reader.openStream(item.input.name);
    if (!item.input.gunzip) return scanSequenceSets(source);
    const gunzipped = new PassThrough();
    const [values] = await Promise.all([scanSequenceSets(gunzipped), pipeline(source, createGunzip(), gunzipped)]);
    return values;
  }
  if (pgRestore === null) throw new Error(`unreachable: no pg_restore for the ${item.format} entry of ${item.step}`);
  const input = item.input;
  const label = `reading the sequence values of ${item.step}`;
  return withRestoreTempDir(env, async (dir) => {
    // A directory dump's SEQUENCE SET entries are in its table of contents alone.
    const folder = input.type === 'directory' ? await extractInput(reader, input, dir, ctx.signal, (file) => file === 'toc.dat') : null;
    // Both runs read only part of the dump (the table of contents, then the few entries
    // listed) and may close their stdin early: pg_restore's exit status decides.
    const run = async (args: string[]) =>
      runTool({ tool: pgRestore, args: folder ? [...args, folder] : args, env: {}, stdin: input.type === 'entry' ? await reader.openStream(input.name) : null, label, readsPart: true }, ctx);
    // Files rather than stdout: the names are in the dump's encoding, byte for byte.
    const tocFile = join(dir, 'toc.list');
    await run(['--list', `--file=${tocFile}`]);
    const entries = (await readFile(tocFile, 'latin1')).split('\n').filter((line) => sequenceSetLine.test(line));
    if (entries.length === 0) return {};
    const list = join(dir, 'sequence-sets.list');
    await writeFile(list, `${entries.join('\n')}\n`, { encoding: 'latin1', mode: 0o600, flag: 'wx' });
    const scriptFile = join(dir, 'sequence-sets.sql');
    await run([`--use-list=${list}`, `--file=${scriptFile}`]);
    return scanSequenceSets(createReadStream(scriptFile));
  });
}
