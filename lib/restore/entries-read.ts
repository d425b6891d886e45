// What a restore reads from the zip, so that only that is read and checked: the entries
// of the steps restored and, for a directory-format dump restored in part (--table,
// --schema, --schema-only), its toc.dat and the data files of what is restored. Over S3
// that is what makes a one-table restore fetch its table, not the whole backup.
import type { ExpectedEntry, Manifest } from '../archive/index.js';
import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { tableSelection, type RestoreFlags } from './build-argv.js';
import { chooseTools } from './choose-tools.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { checkEntries, type OpenedArchive } from './open-archive.js';
import { runTool } from './run-tool.js';
import { checkedWhileLoading } from './split-part-check.js';
import type { RestoreItem } from './types.js';

/**
 * The manifest's record (size, sha256) of every entry the items read and that is checked
 * before the restore starts: all of them but the tables' rows of a split native dump,
 * which are checked while they load (see {@link entriesCheckedWhileLoading}).
 */
export function entriesRead(items: readonly RestoreItem[], manifest: Manifest): ExpectedEntry[] {
  return recordsOf(manifest, items.flatMap((item) => (item.input.type === 'entry' ? [item.input.name] : item.input.type === 'split' ? item.input.parts.filter((p) => !checkedWhileLoading(p)).map((p) => p.name) : item.input.entries)));
}

/**
 * The tables' rows of split native dumps: read through sha256 as they load, each table
 * committed only when its entry matched (split-part-check.ts). Before the restore
 * starts only what needs no read is checked: that each is in the zip, of its recorded size.
 */
export function entriesCheckedWhileLoading(items: readonly RestoreItem[], manifest: Manifest): ExpectedEntry[] {
  return recordsOf(manifest, items.flatMap((item) => (item.input.type === 'split' ? item.input.parts.filter(checkedWhileLoading).map((p) => p.name) : [])));
}

function recordsOf(manifest: Manifest, names: readonly string[]): ExpectedEntry[] {
  const recorded = new Map(manifest.steps.flatMap((step) => step.entries).map((entry) => [entry.name, entry]));
  return [...new Set(names)].map((name) => recorded.get(name)!).filter((entry) => entry !== undefined);
}

/**
 * Narrows each directory-format item restored in part to the files pg_restore will
 * open: its toc.dat (checked against its sha256 first, then listed with `pg_restore
 * --list`) and the data files of the tables selected. Other items are returned as they are.
 */
export async function narrowItems(
  items: RestoreItem[],
  archive: OpenedArchive,
  flags: RestoreFlags,
  ctx: { env: Env; logger: PgbakLogger; signal: AbortSignal },
): Promise<RestoreItem[]> {
  const { tables, schemas } = tableSelection(flags.tables ?? [], flags.schemas ?? []);
  const partial = tables.length > 0 || schemas.length > 0 || flags.schemaOnly === true;
  if (!partial || !items.some((item) => item.input.type === 'directory')) return items;
  const narrowed: RestoreItem[] = [];
  for (const item of items) {
    const input = item.input;
    const toc = input.type === 'directory' ? `${input.prefix}toc.dat` : null;
    if (input.type !== 'directory' || toc === null || !input.entries.includes(toc)) {
      narrowed.push(item);
      continue;
    }
    await checkEntries(archive, entriesRead([{ ...item, input: { ...input, entries: [toc] } }], archive.manifest), ctx.logger);
    const listing = await listToc(item, archive, ctx);
    const keep = dataFilesNeeded(listing, { tables, schemas, schemaOnly: flags.schemaOnly === true });
    const entries = input.entries.filter((name) => {
      const file = name.slice(input.prefix.length);
      if (file === 'toc.dat') return true;
      const id = /^(\d+)\.dat(\.[a-z0-9]+)?$/.exec(file)?.[1];
      // Large objects (blobs.toc, blob_*.dat) are restored by --schema but not by --table or --schema-only.
      if (id === undefined) return tables.length === 0 && !flags.schemaOnly;
      return keep.has(id);
    });
    ctx.logger.verbose(`${item.step}: reading ${entries.length} of the ${input.entries.length} files of the directory dump`);
    narrowed.push({ ...item, input: { ...input, entries } });
  }
  return narrowed;
}

async function listToc(item: RestoreItem, archive: OpenedArchive, ctx: { env: Env; logger: PgbakLogger; signal: AbortSignal }): Promise<string> {
  const tool = (await chooseTools([item], ctx.env, null, ctx.logger)).get(item)!;
  const label = `listing ${item.step}${item.database === null ? '' : ` (${item.database})`}`;
  const failureHint = `nothing was restored: pg_restore could not read the table of contents; rerun with --verbose to see all of its output`;
  return withRestoreTempDir(ctx.env, async (dir) => {
    const folder = await extractInput(archive.reader, item.input, dir, ctx.signal, (file) => file === 'toc.dat');
    const outcome = await runTool({ tool, args: ['--list', folder], env: {}, stdin: null, label, failureHint }, { logger: ctx.logger, signal: ctx.signal }, true);
    return outcome.stdout;
  });
}

/**
 * The dump ids of the TABLE DATA entries a selection restores, from `pg_restore --list`
 * (`<id>; <tableoid> <oid> TABLE DATA <schema> <name> <owner>`). A superset is harmless
 * (a file read for nothing); a subset would fail the restore, so names are matched as
 * pg_restore does — `--table` by name in any schema unless `--schema` narrows it.
 */
export function dataFilesNeeded(listing: string, selection: { tables: readonly string[]; schemas: readonly string[]; schemaOnly: boolean }): Set<string> {
  const keep = new Set<string>();
  if (selection.schemaOnly) return keep;
  for (const line of listing.split('\n')) {
    const match = /^(\d+); \d+ \d+ TABLE DATA (.*)$/.exec(line);
    if (!match) continue;
    const words = match[2]!.split(' ');
    const schema = words[0]!;
    // The owner is the last word (empty when the dump has none); a name may hold spaces.
    const name = words.slice(1, -1).join(' ');
    const inSchema = selection.schemas.length === 0 || selection.schemas.includes(schema);
    const named = selection.tables.length === 0 || selection.tables.includes(name);
    if (inSchema && named) keep.add(match[1]!);
  }
  return keep;
}
