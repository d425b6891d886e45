import type { TocEntry } from './toc.js';

/** What the comment block at the top of a native dump says. */
export interface HeaderInfo {
  database: string;
  /** `server_version` as the server reports it, e.g. `17.2`. */
  serverVersion: string;
  pgbakVersion: string;
  kind: string;
}

/** The last lines of every complete native dump; a file without them was cut short. */
export const dumpCompleteFooter = '--\n-- PostgreSQL database dump complete (pgbak native engine)\n--\n\n';

/**
 * The top of the file, as pg_dump -Fp writes it: the settings a restore needs
 * (UTF8, standard strings, an empty search_path, no function body checks…),
 * after a comment saying what made the file. No psql meta-commands: the file
 * also restores through the driver.
 */
export function renderHeader(info: HeaderInfo): string {
  return [
    '--',
    '-- PostgreSQL database dump (pgbak native engine)',
    '--',
    '',
    `-- Dumped from database version ${sanitizeLine(info.serverVersion)}`,
    `-- Dumped by pgbak ${sanitizeLine(info.pgbakVersion)} (native engine)`,
    `-- Database: ${sanitizeLine(info.database)}; kind: ${sanitizeLine(info.kind)}`,
    '',
    'SET statement_timeout = 0;',
    'SET lock_timeout = 0;',
    'SET idle_in_transaction_session_timeout = 0;',
    "SET client_encoding = 'UTF8';",
    'SET standard_conforming_strings = on;',
    "SELECT pg_catalog.set_config('search_path', '', false);",
    'SET check_function_bodies = false;',
    'SET xmloption = content;',
    'SET client_min_messages = warning;',
    'SET row_security = off;',
    '',
    '',
  ].join('\n');
}

/** `--\n-- Name: t; Type: TABLE; Schema: s; Owner: -\n--\n\n`, as pg_dump heads each entry. */
export function renderEntryComment(entry: TocEntry, owner: string | null = null): string {
  const prefix = entry.kind === 'TABLE DATA' ? 'Data for Name' : 'Name';
  const line = `${prefix}: ${sanitizeLine(entry.name)}; Type: ${entry.kind}; Schema: ${sanitizeLine(entry.schema ?? '-')}; Owner: ${sanitizeLine(owner ?? '-')}`;
  return `--\n-- ${line}\n--\n\n`;
}

/**
 * Object names may hold newlines: inside a `--` comment, one would end the
 * comment and turn the rest of the name into SQL (or a psql meta-command).
 */
export function sanitizeLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}
