import { resolve } from 'node:path';
import type { Manifest, ManifestStep } from '../archive/index.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { isS3Location } from '../storage/index.js';
import { chooseTools } from './choose-tools.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { authenticityOf, loadVerifyKeys, type Authenticity } from './authenticity.js';
import { openArchive } from './open-archive.js';
import type { DecryptionKeys } from '../crypto/age/index.js';
import { runTool } from './run-tool.js';
import { inputOf } from './select-items.js';
import type { RestoreItem } from './types.js';

/** What `pgbak restore --list` shows. */
export interface ArchiveListing extends Authenticity {
  archive: string;
  manifest: Pick<Manifest, 'pgbak' | 'profile' | 'source' | 'startedAt' | 'finishedAt'>;
  steps: Array<{
    step: string;
    kind: string;
    database: string | null;
    format: string;
    tool: string;
    entries: Array<{ name: string; bytes: number; stored: number }>;
    tables: number | null;
    /** `pg_restore --list` of custom, tar and directory entries (null for plain SQL). */
    toc: string | null;
  }>;
}

/**
 * Lists what an archive holds without a database: the manifest's summary, whether it
 * is signed (and, with verify keys, the signature checked: refused is exit 3), each
 * entry with its sizes, and pg_restore's table of contents. Entries are not
 * checked against their sha256 here (restore and verify do that).
 */
export async function listArchive(
  path: string,
  options: { env: Env; logger: PgbakLogger; signal: AbortSignal; cwd?: string; verifyKeyFiles?: readonly string[] | undefined; keys?: DecryptionKeys | undefined },
): Promise<ArchiveListing> {
  const cwd = options.cwd ?? process.cwd();
  const location = isS3Location(path) ? path : resolve(cwd, path);
  const verifyKeys = await loadVerifyKeys(options.verifyKeyFiles, options.env, cwd);
  const archive = await openArchive(location, { check: false, env: options.env, verifyKeys, keys: options.keys });
  try {
    const { manifest, reader } = archive;
    const stored = new Map(reader.entries().map((entry) => [entry.name, entry.compressedSize]));
    // One item per manifest step: a `databases: all` step is one manifest step per database, all of the same name.
    const listed = manifest.steps.filter((step) => step.entries.length > 0 && step.format !== 'plain');
    const items: RestoreItem[] = listed.map((step) => ({ step: step.name, database: step.database, format: step.format, input: inputOf(step), target: '', dumpVersion: step.tool.version }));
    const tools = items.length > 0 ? await chooseTools(items, options.env, null, options.logger) : new Map();
    const tocs = new Map<ManifestStep, string>();
    for (const [index, item] of items.entries()) {
      const tool = tools.get(item)!;
      const ctx = { logger: options.logger, signal: options.signal };
      const label = `listing ${item.step}${item.database === null ? '' : ` (${item.database})`}`;
      const failureHint = `rerun with --verbose to see all of ${tool.name}'s output`;
      const outcome =
        item.input.type === 'directory'
          ? await withRestoreTempDir(options.env, async (dir) => {
              // The table of contents is all pg_restore --list reads.
              const folder = await extractInput(reader, item.input, dir, options.signal, (file) => file === 'toc.dat');
              return runTool({ tool, args: ['--list', folder], env: {}, stdin: null, label, failureHint }, ctx, true);
            })
          : item.input.type === 'entry'
            ? await runTool({ tool, args: ['--list'], env: {}, stdin: await reader.openStream(item.input.name), label, readsPart: true, failureHint }, ctx, true)
            : null;
      if (outcome) tocs.set(listed[index]!, outcome.stdout);
    }
    return {
      archive: archive.path,
      ...authenticityOf(archive.signature),
      manifest: { pgbak: manifest.pgbak, profile: manifest.profile, source: manifest.source, startedAt: manifest.startedAt, finishedAt: manifest.finishedAt },
      steps: manifest.steps.map((step) => ({
        step: step.name,
        kind: step.kind,
        database: step.database,
        format: step.format,
        tool: `${step.tool.name} ${step.tool.version}`,
        entries: step.entries.map((e) => ({ name: e.name, bytes: e.bytes, stored: stored.get(e.name) ?? 0 })),
        tables: step.rowCounts ? Object.keys(step.rowCounts.tables).length : null,
        toc: tocs.get(step) ?? null,
      })),
    };
  } finally {
    archive.reader.close();
  }
}
