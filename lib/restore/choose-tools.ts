import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { isPgbakError } from '../errors.js';
import { clientFloor, discoverTools, parseToolVersion, selectTool, selectToolFor, tooOld, toolVersionCacheDir, type ClientSettings, type PgVersion, type ToolInfo, type ToolInventory, type ToolName } from '../tools/index.js';
import { NATIVE_LOADER } from './native-loader-glue.js';
import type { RestoreItem, RestoreLoader } from './types.js';

/** The tool that restores an item: psql for plain SQL, pg_restore for the archive formats. */
export function toolNameFor(item: RestoreItem): ToolName {
  return item.format === 'plain' ? 'psql' : 'pg_restore';
}

/**
 * Finds pg_restore / psql for each item: at least as new as the server restored
 * into (when known) and, for pg_restore, as the pg_dump that wrote the entry
 * (pg_restore cannot read archives of a newer pg_dump). Plain SQL entries get
 * NATIVE_LOADER (pgbak runs them itself) with `loader: 'native'`, or when no
 * psql is installed at all, or only copies too old for the connection's settings
 * (sslrootcert=system needs 16: an older psql reads "system" as a file).
 */
export async function chooseTools(
  items: RestoreItem[],
  env: Env,
  server: PgVersion | null,
  logger: PgbakLogger,
  options: { loader?: RestoreLoader | undefined; connection?: ClientSettings } = {},
): Promise<Map<RestoreItem, ToolInfo>> {
  const native = (item: RestoreItem) => item.format === 'plain' && item.input.type === 'entry';
  // A split native dump is always pgbak's to load: its parts run on several connections.
  const forced = (item: RestoreItem) => (options.loader === 'native' && native(item)) || item.input.type === 'split';
  const names = [...new Set(items.filter((item) => !forced(item)).map(toolNameFor))];
  const { inventory, rejected } = await discoverTools({ env, names, versionCache: toolVersionCacheDir({ env }) });
  for (const tool of rejected) logger.debug(`ignored ${tool.path}: ${tool.reason}`);
  const settings = options.connection ?? {};
  const needs = clientFloor(settings);
  const psqls = needs ? inventory.psql.filter((tool) => tool.version.major >= needs.major) : inventory.psql;
  const chosen = new Map<RestoreItem, ToolInfo>();
  for (const item of items) {
    if (item.input.type === 'split') {
      chosen.set(item, NATIVE_LOADER);
      continue;
    }
    const dumpedBy = parseToolVersion(item.dumpVersion) ?? { major: 0, minor: 0, text: item.dumpVersion };
    const floor = server ?? dumpedBy;
    // No psql installed: pgbak runs plain SQL itself.
    if (needs && toolNameFor(item) === 'psql' && !native(item) && psqls.length === 0 && inventory.psql.length > 0) throw tooOld('psql', inventory.psql, needs);
    const tool = forced(item) || (native(item) && psqls.length === 0)
      ? NATIVE_LOADER
      : toolNameFor(item) === 'pg_restore' ? selectToolFor(inventory, 'pg_restore', floor, settings, { atLeast: dumpedBy }) : choosePsql({ ...inventory, psql: psqls }, floor, logger);
    chosen.set(item, tool);
  }
  if (options.loader !== 'native' && items.some((item) => item.input.type !== 'split' && chosen.get(item) === NATIVE_LOADER)) {
    logger.info(
      psqls.length === 0 && inventory.psql.length > 0 && needs
        ? `no psql here is usable: ${needs.why}: plain SQL is restored by pgbak's native loader`
        : "psql not found in PGBAK_PG_BIN, PATH or the usual install folders: plain SQL is restored by pgbak's native loader",
    );
  }
  return chosen;
}

// psql only sends the file's SQL: an older psql restores into a newer server all
// the same (pg_restore, which must read the archive format, cannot). Prefer one
// at least as new as the server, else take the newest installed.
function choosePsql(inventory: ToolInventory, server: PgVersion, logger: PgbakLogger): ToolInfo {
  try {
    return selectTool(inventory, 'psql', server);
  } catch (error) {
    const newest = [...inventory.psql].sort((a, b) => b.version.major - a.version.major || b.version.minor - a.version.minor)[0];
    if (!newest || !isPgbakError(error) || error.code !== 'TOOL_INCOMPATIBLE') throw error;
    logger.debug(`psql ${newest.version.text} is older than the server ${server.text}; plain SQL restores with it all the same`);
    return newest;
  }
}
