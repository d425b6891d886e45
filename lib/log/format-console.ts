/** Log levels, most to least severe (npm's levels, minus http and silly). */
export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';

const PREFIX: Record<LogLevel, string> = { error: 'error: ', warn: 'warning: ', info: '', verbose: '', debug: 'debug: ' };
const COLOR: Record<LogLevel, string> = { error: '\x1b[31m', warn: '\x1b[33m', info: '', verbose: '\x1b[2m', debug: '\x1b[2m' };
const RESET = '\x1b[0m';

/**
 * One human line for stderr: `pgbak: message`, `pgbak: error: message`. Metadata is
 * appended as key=value only when asked (debug), since messages must read on their own.
 */
export function formatConsoleLine(level: LogLevel, message: string, meta: Record<string, unknown>, options: { color: boolean; showMeta: boolean }): string {
  const details = options.showMeta ? formatMeta(meta) : '';
  const text = `${PREFIX[level]}${message}${details}`;
  const color = options.color ? COLOR[level] : '';
  return color ? `pgbak: ${color}${text}${RESET}` : `pgbak: ${text}`;
}

function formatMeta(meta: Record<string, unknown>): string {
  const pairs = Object.entries(meta)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return pairs.length > 0 ? ` (${pairs.join(', ')})` : '';
}
