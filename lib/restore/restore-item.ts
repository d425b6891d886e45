import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { ZipReader } from '../archive/index.js';
import type { ToolInfo } from '../tools/index.js';
import { buildPgRestoreArgs, buildPsqlArgs, singleTransaction, type RestoreFlags } from './build-argv.js';
import { secretEnv, shownEnv } from '../config/child-env.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { describeNativeLoad, restoreWithNativeLoader, usesNativeLoader, type NativeLoaderFlags } from './native-loader-glue.js';
import { blankLines, checkUnrestrictedScript, restrictionFor } from './restrict-psql.js';
import { reorderForClean } from './clean-order.js';
import { describeSplitLoad, restoreSplit } from './split-restore.js';
import { runTool, type ToolContext, type ToolOutcome } from './run-tool.js';
import type { ScriptScan } from '../sql/script/index.js';
import { PgbakError } from '../errors.js';
import type { RestoreCommand, RestoreItem } from './types.js';

/**
 * Whether the item must be on disk first: pg_restore -j needs a file it can seek
 * in (one per worker), and a directory dump is a folder by nature.
 */
export function needsExtraction(item: RestoreItem, flags: RestoreFlags): boolean {
  if (item.input.type === 'directory') return true;
  return item.format === 'custom' && flags.jobs !== undefined && flags.jobs > 1;
}

/** The command that restores `item`, as `--dry-run` prints it (`script`: what the scan of a plain entry found). */
export function describeCommand(item: RestoreItem, tool: ToolInfo, connection: Connection, flags: RestoreFlags & NativeLoaderFlags, script?: ScriptScan): RestoreCommand {
  if (item.input.type === 'split') return describeSplitLoad(item, connection, flags);
  if (usesNativeLoader(item, tool, flags)) return describeNativeLoad(item, connection, flags);
  const extracted = needsExtraction(item, flags);
  const input = item.input.type === 'directory' ? '<private temp dir>/dump' : `<private temp dir>/${item.input.name.split('/').pop()}`;
  const restricted = restrictionFor(script, tool) !== null ? '<random key>' : null;
  const args = item.format === 'plain' ? buildPsqlArgs(item, connection, flags, restricted) : buildPgRestoreArgs(item, connection, flags, extracted ? input : null);
  const stdin = extracted || item.input.type === 'directory' ? null : `${item.input.name}${item.input.gunzip ? ' (gunzipped)' : ''}`;
  return { argv: [tool.path, ...args], env: shownEnv(connection), stdin };
}

/**
 * Restores one item: streamed from the zip into the tool, or extracted to a
 * private temp dir first; plain SQL through pgbak's native loader when psql is
 * missing or `flags.loader` is `native`. A plain entry goes to psql only with
 * `script`, the scan (checkScripts) that found no meta-command pg_dump does not
 * write, and restricted where psql can be.
 */
export async function restoreItem(
  item: RestoreItem,
  reader: ZipReader,
  tool: ToolInfo,
  connection: Connection,
  flags: RestoreFlags & NativeLoaderFlags,
  env: Env,
  ctx: ToolContext,
  script?: ScriptScan,
): Promise<ToolOutcome> {
  if (item.input.type === 'split') return restoreSplit(item, reader, connection, flags, ctx);
  if (usesNativeLoader(item, tool, flags)) return restoreWithNativeLoader(item, reader, connection, flags, ctx);
  const label = `${item.step}${item.database === null ? '' : ` (${item.database})`} -> ${item.target}`;
  const common = { tool, env: secretEnv(connection), label, tolerateErrors: item.database === null, failureHint: failureHint(item, tool, flags) };
  if (item.format !== 'plain' && (needsExtraction(item, flags) || flags.clean)) {
    return withRestoreTempDir(env, async (dir) => {
      const path = needsExtraction(item, flags) ? await extractInput(reader, item.input, dir, ctx.signal) : null;
      if (path !== null) ctx.logger.verbose(`${label}: extracted to a private temp dir for pg_restore`);
      const list = flags.clean ? await cleanOrderList(item, reader, tool, path, dir, ctx) : null;
      const stdin = path === null && item.input.type === 'entry' ? await reader.openStream(item.input.name) : null;
      return runTool({ ...common, args: buildPgRestoreArgs(item, connection, flags, path, list), stdin }, ctx);
    });
  }
  if (item.input.type !== 'entry') throw new Error('unreachable: directory input is always extracted, split input loaded by pgbak');
  if (item.format !== 'plain') {
    return runTool({ ...common, args: buildPgRestoreArgs(item, connection, flags, null), stdin: await reader.openStream(item.input.name) }, ctx);
  }
  if (script === undefined) throw new PgbakError('INTERNAL', `${label}: a plain SQL entry must be scanned before psql runs it`);
  checkUnrestrictedScript(item.input.name, script, tool);
  const restriction = restrictionFor(script, tool);
  if (restriction) ctx.logger.debug(`${label}: psql runs the script after \\restrict (no meta-command can run)`);
  const transforms = [...(item.input.gunzip ? [createGunzip()] : []), ...(restriction && restriction.blank.length > 0 ? [blankLines(restriction.blank)] : [])];
  const stdin = await reader.openStream(item.input.name);
  return runTool({ ...common, args: buildPsqlArgs(item, connection, flags, restriction?.key ?? null), stdin, transforms }, ctx);
}

/**
 * For --clean: the archive's table of contents reordered so that a partitioned
 * table's attached constraints can be dropped (see clean-order.ts), written
 * into `dir`; null when the archive needs no reordering.
 */
async function cleanOrderList(item: RestoreItem, reader: ZipReader, tool: ToolInfo, path: string | null, dir: string, ctx: ToolContext): Promise<string | null> {
  const label = `listing ${item.step}${item.database === null ? '' : ` (${item.database})`}`;
  const failureHint = `nothing was restored: pg_restore could not read the table of contents; rerun with --verbose to see all of its output`;
  const listed =
    path !== null
      ? await runTool({ tool, args: ['--list', path], env: {}, stdin: null, label, failureHint }, ctx, true)
      : item.input.type === 'entry'
        ? await runTool({ tool, args: ['--list'], env: {}, stdin: await reader.openStream(item.input.name), label, readsPart: true, failureHint }, ctx, true)
        : null;
  const reordered = listed === null ? null : reorderForClean(listed.stdout);
  if (reordered === null) return null;
  const file = join(dir, 'clean-order.list');
  await writeFile(file, reordered, { mode: 0o600, flag: 'wx' });
  ctx.logger.verbose(`${item.step}: partition constraints listed before their parents' so that --clean can drop them`);
  return file;
}

// What a failed restore left, and where the rest of the tool's output is (a restore writes no run log).
function failureHint(item: RestoreItem, tool: ToolInfo, flags: RestoreFlags): string {
  const more = `rerun with --verbose to see all of ${tool.name}'s output`;
  if (item.database === null) return `the globals were replayed up to the failure; ${more}`;
  const atomic = item.format === 'plain' ? !flags.noSingleTransaction : singleTransaction(flags);
  if (atomic) return `nothing was restored into "${item.target}": it ran in one transaction, rolled back; ${more}`;
  return `"${item.target}" may be partly restored: after fixing the cause, restore again with --clean; ${more}`;
}
