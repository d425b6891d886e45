import type { LogLevel } from './format-console.js';

/**
 * One run-log JSON line: `{"time","level","message",...meta}`. The three fixed
 * fields come first and win over metadata keys of the same name. `meta` must already
 * be JSON-friendly (see redactMeta).
 */
export function formatRunLogLine(time: Date, level: LogLevel, message: string, meta: Record<string, unknown>): string {
  const { time: _time, level: _level, message: _message, ...rest } = meta;
  return JSON.stringify({ time: time.toISOString(), level, message, ...rest });
}
