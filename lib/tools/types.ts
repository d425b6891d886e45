/** A PostgreSQL client program pgbak knows how to find. */
export type ToolName = 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql';

/** Every tool name, in the order diagnostics list them. */
export const TOOL_NAMES: readonly ToolName[] = ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql'];

/**
 * A PostgreSQL release. From 10 on, `major` is the first number (15 for 15.18).
 * Before 10 a major release was named by two numbers, so `major` is that pair as a
 * number (9.6 for 9.6.24) and `minor` the third: comparisons stay correct
 * (9.5 < 9.6 < 10) and `${major}` prints the name packages use (postgresql-client-9.6).
 */
export interface PgVersion {
  major: number;
  /** 0 for pre-releases (17beta1, 18devel). */
  minor: number;
  /** The version as the program or server printed it: `15.18`, `17beta1`, `9.6.24`. */
  text: string;
}

/** Where a tool was found, in precedence order. */
export type ToolOrigin = 'PGBAK_PG_BIN' | 'PATH' | 'install-dir';

/** Origins from most to least preferred. */
export const TOOL_ORIGINS: readonly ToolOrigin[] = ['PGBAK_PG_BIN', 'PATH', 'install-dir'];

/** One usable client program. */
export interface ToolInfo {
  name: ToolName;
  /**
   * Absolute path as found, symlinks not resolved: Debian's /usr/bin/pg_dump is a
   * link to pg_wrapper, which needs to be called by its link name.
   */
  path: string;
  version: PgVersion;
  origin: ToolOrigin;
}

/** Every usable copy of each tool, deduplicated by realpath, in precedence order. */
export type ToolInventory = Record<ToolName, ToolInfo[]>;

/** A candidate that was found but cannot be used, kept for diagnostics. */
export interface RejectedTool {
  name: ToolName;
  path: string;
  origin: ToolOrigin;
  reason: string;
}

/** What `discoverTools` found. */
export interface ToolDiscovery {
  inventory: ToolInventory;
  rejected: RejectedTool[];
}
