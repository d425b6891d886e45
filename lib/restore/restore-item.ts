import { createGunzip } from 'node:zlib';
import type { Connection } from '../config/connection-types.js';
import type { Env } from '../config/env-file.js';
import type { ZipReader } from '../archive/index.js';
import type { ToolInfo } from '../tools/index.js';
import { buildPgRestoreArgs, buildPsqlArgs, type RestoreFlags } from './build-argv.js';
import { secretEnv, shownEnv } from '../config/child-env.js';
import { extractInput, withRestoreTempDir } from './extract.js';
import { describeNativeLoad, restoreWithNativeLoader, usesNativeLoader, type NativeLoaderFlags } from './native-loader-glue.js';
import { runTool, type ToolContext, type ToolOutcome } from './run-tool.js';
import type { RestoreCommand, RestoreItem } from './types.js';

/**
 * Whether the item must be on disk first: pg_restore -j needs a file it can seek
 * in (one per worker), and a directory dump is a folder by nature.
 */
export function needsExtraction(item: RestoreItem, flags: RestoreFlags): boolean {
  if (item.input.type === 'directory') return true;
  return item.format === 'custom' && flags.jobs !== undefined && flags.jobs > 1;
}

/** The command that restores `item`, as `--dry-run` prints it. */
export function describeCommand(item: RestoreItem, tool: ToolInfo, connection: Connection, flags: RestoreFlags & NativeLoaderFlags): RestoreCommand {
  if (usesNativeLoader(item, tool, flags)) return describeNativeLoad(item, connection, flags);
  const extracted = needsExtraction(item, flags);
  const input = item.input.type === 'directory' ? '<private temp dir>/dump' : `<private temp dir>/${item.input.name.split('/').pop()}`;
  const args = item.format === 'plain' ? buildPsqlArgs(item, connection, flags) : buildPgRestoreArgs(item, connection, flags, extracted ? input : null);
  const stdin = extracted || item.input.type === 'directory' ? null : `${item.input.name}${item.input.gunzip ? ' (gunzipped)' : ''}`;
  return { argv: [tool.path, ...args], env: shownEnv(connection), stdin };
}

/**
 * Restores one item: streamed from the zip into the tool, or extracted to a
 * private temp dir first; plain SQL through pgbak's native loader when psql is
 * missing or `flags.loader` is `native`.
 */
export async function restoreItem(
  item: RestoreItem,
  reader: ZipReader,
  tool: ToolInfo,
  connection: Connection,
  flags: RestoreFlags & NativeLoaderFlags,
  env: Env,
  ctx: ToolContext,
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
  const stdin = await reader.openStream(item.input.name);
  const args = item.format === 'plain' ? buildPsqlArgs(item, connection, flags) : buildPgRestoreArgs(item, connection, flags, null);
  return runTool({ ...common, args, stdin, transforms: item.input.gunzip ? [createGunzip()] : [] }, ctx);
}
