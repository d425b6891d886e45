import { createGunzip } from 'node:zlib';
import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { ZipReader } from '../archive/index.js';
import type { ToolInfo } from '../tools/index.js';
import { buildPgRestoreArgs, buildPsqlArgs, type RestoreFlags } from './build-argv.js';
import { secretEnv, shownEnv } from '../config/child-env.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { describeNativeLoad, restoreWithNativeLoader, usesNativeLoader, type NativeLoaderFlags } from './native-loader-glue.js';
import { blankLines, restrictionFor } from './restrict-psql.js';
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
  if (usesNativeLoader(item, tool, flags)) return restoreWithNativeLoader(item, reader, connection, flags, ctx);
  const label = `${item.step}${item.database === null ? '' : ` (${item.database})`} -> ${item.target}`;
  const common = { tool, env: secretEnv(connection), label, tolerateErrors: item.database === null };
  if (needsExtraction(item, flags)) {
    return withRestoreTempDir(env, async (dir) => {
      const path = await extractInput(reader, item.input, dir, ctx.signal);
      ctx.logger.verbose(`${label}: extracted to a private temp dir for pg_restore`);
      return runTool({ ...common, args: buildPgRestoreArgs(item, connection, flags, path), stdin: null }, ctx);
    });
  }
  if (item.input.type !== 'entry') throw new Error('unreachable: directory input is always extracted');
  if (item.format !== 'plain') {
    return runTool({ ...common, args: buildPgRestoreArgs(item, connection, flags, null), stdin: await reader.openStream(item.input.name) }, ctx);
  }
  if (script === undefined) throw new PgbakError('INTERNAL', `${label}: a plain SQL entry must be scanned before psql runs it`);
  const restriction = restrictionFor(script, tool);
  if (restriction) ctx.logger.debug(`${label}: psql runs the script after \\restrict (no meta-command can run)`);
  const transforms = [...(item.input.gunzip ? [createGunzip()] : []), ...(restriction && restriction.blank.length > 0 ? [blankLines(restriction.blank)] : [])];
  const stdin = await reader.openStream(item.input.name);
  return runTool({ ...common, args: buildPsqlArgs(item, connection, flags, restriction?.key ?? null), stdin, transforms }, ctx);
}
