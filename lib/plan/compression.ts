import { PgbakError } from '../errors.js';
import type { DumpFormat } from '../config/profile-schema.js';
import type { ToolInfo } from '../tools/index.js';

/** A compression setting checked against the pg_dump that will run. */
export interface Compression {
  /** The `--compress` argument, or null to keep pg_dump's default for the format. */
  arg: string | null;
  /** Whether pg_dump's output is compressed (then the zip stores it as is). */
  compressed: boolean;
  /** File-name suffix of a compressed plain dump (`.gz`, `.lz4`, `.zst`), or '' when not compressed. */
  suffix: string;
}

const suffixOf: Record<string, string> = { gzip: '.gz', lz4: '.lz4', zstd: '.zst' };

const methodPattern = /^(none|gzip|lz4|zstd)(?::(\d+))?$/;

/**
 * Translates the profile's `compression` for the chosen pg_dump: numbers are gzip
 * levels everywhere; lz4 and zstd need pg_dump 16; tar output cannot be compressed.
 */
export function resolveCompression(value: number | string | undefined, format: DumpFormat, tool: ToolInfo, where: string): Compression {
  if (value === undefined) {
    const compressed = format === 'custom' || format === 'directory';
    return { arg: null, compressed, suffix: compressed ? '.gz' : '' };
  }
  const { method, level } = parse(value, where);
  if (format === 'tar' && method !== 'none') {
    throw invalid(where, 'tar format cannot be compressed by pg_dump; use custom or directory, or leave compression out');
  }
  if ((method === 'lz4' || method === 'zstd') && tool.version.major < 16) {
    throw invalid(where, `${method} compression needs pg_dump 16 or later; ${tool.path} is ${tool.version.text} (gzip levels 0-9 work with it)`);
  }
  if (method === 'none') return { arg: '0', compressed: false, suffix: '' };
  if (method === 'gzip') {
    const gzipLevel = level ?? 6;
    if (gzipLevel > 9) throw invalid(where, `gzip levels go from 0 to 9, got ${gzipLevel}`);
    if (gzipLevel === 0) return { arg: '0', compressed: false, suffix: '' };
    return { arg: tool.version.major >= 16 ? `gzip:${gzipLevel}` : String(gzipLevel), compressed: true, suffix: '.gz' };
  }
  return { arg: level === undefined ? method : `${method}:${level}`, compressed: true, suffix: suffixOf[method] ?? '' };
}

function parse(value: number | string, where: string): { method: string; level: number | undefined } {
  if (typeof value === 'number') return { method: value === 0 ? 'none' : 'gzip', level: value };
  if (/^\d+$/.test(value)) return parse(Number(value), where);
  const match = methodPattern.exec(value.trim().toLowerCase());
  if (!match) throw invalid(where, `"${value}" is not a compression: use 0-9, none, gzip[:level], lz4[:level] or zstd[:level]`);
  return { method: match[1]!, level: match[2] === undefined ? undefined : Number(match[2]) };
}

function invalid(where: string, message: string): PgbakError {
  return new PgbakError('CONFIG_INVALID', `${where}: ${message}`);
}
