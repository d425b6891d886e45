// Connection settings only newer libpq understands. An older pg_dump, pg_restore or
// psql misreads them (libpq 15 opens sslrootcert=system as a file named "system")
// after the driver, which knows them, has connected: refuse such a tool up front.
import { ExitCode, isPgbakError, PgbakError } from '../errors.js';
import { selectTool, type SelectToolOptions } from './select.js';
import type { PgVersion, ToolInfo, ToolInventory, ToolName } from './types.js';

/** The connection settings that ask for a newer libpq. */
export interface ClientSettings {
  sslrootcert?: string | undefined;
}

/** The oldest major of client tools that honours a connection's settings. */
export interface ClientFloor {
  major: number;
  why: string;
  /** What else the user may change instead of installing newer tools. */
  instead: string;
}

/** The oldest client tools' major that honours `settings`, and why; null: any. */
export function clientFloor(settings: ClientSettings): ClientFloor | null {
  if (settings.sslrootcert === 'system') {
    return { major: 16, why: 'sslrootcert=system (the system trust store) needs client tools 16 or newer', instead: 'give sslrootcert the path of a CA file' };
  }
  return null;
}

/**
 * {@link selectTool} among the copies that honour `settings`. When copies are
 * installed but all too old for them: TOOL_INCOMPATIBLE with exit 2 (configuration),
 * which engine auto treats as any other unusable tool (the native engine takes over).
 */
export function selectToolFor(inventory: ToolInventory, name: ToolName, server: PgVersion, settings: ClientSettings, options: SelectToolOptions = {}): ToolInfo {
  const floor = clientFloor(settings);
  if (!floor) return selectTool(inventory, name, server, options);
  const all = inventory[name] ?? [];
  const newEnough = all.filter((tool) => tool.version.major >= floor.major);
  try {
    return selectTool({ ...inventory, [name]: newEnough }, name, server, options);
  } catch (error) {
    if (!isPgbakError(error) || error.code !== 'TOOL_NOT_FOUND' || all.length === 0) throw error;
    throw tooOld(name, all, floor);
  }
}

/** The error for a tool whose every installed copy is older than `floor`. */
export function tooOld(name: ToolName, found: readonly ToolInfo[], floor: ClientFloor): PgbakError {
  const list = found.map((tool) => `${tool.path} (${tool.version.text})`).join(', ');
  return new PgbakError('TOOL_INCOMPATIBLE', `${floor.why}; no ${name} here is: found ${list}`, {
    hint: `install ${name} ${floor.major} or newer (or point PGBAK_PG_BIN at it), or ${floor.instead}`,
    exitCode: ExitCode.usage,
  });
}
