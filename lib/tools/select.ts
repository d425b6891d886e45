import { PgbakError } from '../errors.js';
import { describeInstall } from './install-hint.js';
import { TOOL_ORIGINS, type PgVersion, type ToolInfo, type ToolInventory, type ToolName } from './types.js';
import { formatVersion } from './version.js';

/** Extra constraints on the choice. */
export interface SelectToolOptions {
  /**
   * A floor besides the server's version, e.g. the pg_dump that wrote an archive:
   * pg_restore cannot read archives from a newer pg_dump.
   */
  atLeast?: PgVersion;
}

/**
 * Picks the copy of `name` to use against `server`. pg_dump refuses servers newer
 * than itself, so the major must be at least the server's; the same major is
 * preferred because a newer pg_dump may write SQL the server cannot restore,
 * otherwise the nearest newer major. Ties go to PGBAK_PG_BIN, then PATH, then the
 * install folders, then the higher minor.
 * @throws PgbakError TOOL_NOT_FOUND when there is no `name` at all,
 *   TOOL_INCOMPATIBLE when every copy is too old.
 */
export function selectTool(inventory: ToolInventory, name: ToolName, server: PgVersion, options: SelectToolOptions = {}): ToolInfo {
  const candidates = inventory[name] ?? [];
  const floor = options.atLeast && options.atLeast.major > server.major ? options.atLeast : server;
  if (candidates.length === 0) {
    throw new PgbakError('TOOL_NOT_FOUND', `${name} not found in PGBAK_PG_BIN, PATH or the usual install folders (server is ${formatVersion(server)})`, {
      hint: describeInstall(floor.major),
    });
  }
  const fitting = candidates.filter((tool) => tool.version.major >= floor.major);
  const best = [...fitting].sort((a, b) => compareFit(a, b, server))[0];
  if (!best) {
    const found = candidates.map((tool) => `${tool.path} (${tool.version.text})`).join(', ');
    const archive = floor === server ? '' : ` and an archive from ${formatVersion(floor)}`;
    throw new PgbakError('TOOL_INCOMPATIBLE', `no ${name} is new enough for the server ${formatVersion(server)}${archive}; found ${found}`, {
      hint: describeInstall(floor.major),
    });
  }
  return best;
}

function compareFit(a: ToolInfo, b: ToolInfo, server: PgVersion): number {
  return (
    Number(a.version.major !== server.major) - Number(b.version.major !== server.major) ||
    a.version.major - b.version.major ||
    TOOL_ORIGINS.indexOf(a.origin) - TOOL_ORIGINS.indexOf(b.origin) ||
    b.version.minor - a.version.minor
  );
}
