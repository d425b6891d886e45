import type { Env } from '../config/env-file.js';
import type { PgbakLogger } from '../log/index.js';
import { discoverTools, parseToolVersion, selectTool, type PgVersion, type ToolInfo, type ToolName } from '../tools/index.js';
import type { RestoreItem } from './types.js';

/** The tool that restores an item: psql for plain SQL, pg_restore for the archive formats. */
export function toolNameFor(item: RestoreItem): ToolName {
  return item.format === 'plain' ? 'psql' : 'pg_restore';
}

/**
 * Finds pg_restore / psql for each item: at least as new as the server restored
 * into (when known) and, for pg_restore, as the pg_dump that wrote the entry
 * (pg_restore cannot read archives of a newer pg_dump).
 */
export async function chooseTools(items: RestoreItem[], env: Env, server: PgVersion | null, logger: PgbakLogger): Promise<Map<RestoreItem, ToolInfo>> {
  const names = [...new Set(items.map(toolNameFor))];
  const { inventory, rejected } = await discoverTools({ env, names });
  for (const tool of rejected) logger.debug(`ignored ${tool.path}: ${tool.reason}`);
  const chosen = new Map<RestoreItem, ToolInfo>();
  for (const item of items) {
    const dumpedBy = parseToolVersion(item.dumpVersion) ?? { major: 0, minor: 0, text: item.dumpVersion };
    const floor = server ?? dumpedBy;
    const tool = toolNameFor(item) === 'pg_restore' ? selectTool(inventory, 'pg_restore', floor, { atLeast: dumpedBy }) : selectTool(inventory, 'psql', floor);
    chosen.set(item, tool);
  }
  return chosen;
}
