import { writeConsole } from './console-stream.js';
import { formatBytes } from './format-bytes.js';

export { formatBytes } from './format-bytes.js';
export { parsePgDumpVerbose, type VerboseEvent } from './parse-pg-dump-verbose.js';

/** The state one progress line shows. */
export interface ProgressState {
  step: string;
  bytes: number;
  table?: string;
}

/** A one-line, self-overwriting progress display for a terminal. */
export interface Progress {
  /** Shows the state, at most about 4 times a second. */
  update(state: ProgressState): void;
  /** Erases the line (before other output); the next update draws at once. */
  clear(): void;
  /** Draws the last state in full and ends the line; later updates are ignored. */
  done(): void;
}

/** Options of `createProgress`. */
export interface ProgressOptions {
  stream: NodeJS.WritableStream & { columns?: number };
  /** false (not a TTY, --quiet, --json) makes every method a no-op. */
  enabled: boolean;
  /** Milliseconds between redraws; 250 by default. */
  intervalMs?: number;
  now?: () => number;
}

const ERASE_LINE = '\r\x1b[2K';

/** Creates the progress line; disabled, it writes nothing. */
export function createProgress(options: ProgressOptions): Progress {
  if (!options.enabled) return { update() {}, clear() {}, done() {} };
  const { stream } = options;
  const interval = options.intervalMs ?? 250;
  const now = options.now ?? Date.now;
  let last: ProgressState | undefined;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let shown = false;
  let finished = false;

  const draw = (state: ProgressState) => {
    writeConsole(stream, `${ERASE_LINE}${fitToWidth(renderProgressLine(state), stream.columns)}`);
    drawnAt = now();
    shown = true;
  };

  return {
    update(state) {
      if (finished) return;
      last = state;
      if (now() - drawnAt >= interval) draw(state);
    },
    clear() {
      if (finished || !shown) return;
      writeConsole(stream, ERASE_LINE);
      shown = false;
      drawnAt = Number.NEGATIVE_INFINITY;
    },
    done() {
      if (finished) return;
      finished = true;
      if (last) {
        draw(last);
        writeConsole(stream, '\n');
      }
    },
  };
}

/** `step: 123.4 MiB · public.orders` */
export function renderProgressLine(state: ProgressState): string {
  const table = state.table ? ` · ${state.table}` : '';
  return `${state.step}: ${formatBytes(state.bytes)}${table}`;
}

// A line longer than the terminal wraps, and '\r' then only rewinds its last row.
function fitToWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}
