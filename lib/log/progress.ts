import { writeConsole } from './console-stream.js';
import { formatBytes } from './format-bytes.js';
import { ByteRate } from './progress-rate.js';

export { formatBytes } from './format-bytes.js';
export { parsePgDumpVerbose, type VerboseEvent } from './parse-pg-dump-verbose.js';

/** What the dump side of one progress line says: the step, its bytes so far, the table being dumped. */
export interface ProgressState {
  step: string;
  /** Bytes the step's dump tool (or engine) has written so far. */
  bytes: number;
  table?: string;
}

/** Everything one progress line shows (what {@link renderProgressLine} draws). */
export interface ProgressLine extends ProgressState {
  /** Dump bytes per second over the last seconds, once known. */
  rate?: number | undefined;
  /** The archive's bytes the object storage has acknowledged; absent when nothing goes to a bucket. */
  uploaded?: number | undefined;
  /** Upload bytes per second over the last seconds, once known. */
  uploadRate?: number | undefined;
}

/** A one-line, self-overwriting progress display for a terminal. */
export interface Progress {
  /** Shows the dump's state, at most about 4 times a second. */
  update(state: ProgressState): void;
  /**
   * The archive's bytes stored in the bucket so far (the whole archive, not the step:
   * it counts on across steps); the line then shows them and their rate.
   */
  uploaded(bytes: number): void;
  /** Erases the line (before other output); the next update draws at once. */
  clear(): void;
  /** Erases the line for good: the run is over, later updates are ignored. */
  stop(): void;
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
  if (!options.enabled) return { update() {}, uploaded() {}, clear() {}, stop() {}, done() {} };
  const { stream } = options;
  const interval = options.intervalMs ?? 250;
  const now = options.now ?? Date.now;
  const dumpRate = new ByteRate();
  const uploadRate = new ByteRate();
  let last: ProgressState | undefined;
  let uploaded: number | undefined;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let shown = false;
  let finished = false;

  const line = (at: number): ProgressLine => ({
    ...last!,
    rate: dumpRate.perSecond(at),
    ...(uploaded !== undefined && { uploaded, uploadRate: uploadRate.perSecond(at) }),
  });
  const draw = () => {
    const at = now();
    writeConsole(stream, `${ERASE_LINE}${fitToWidth(renderProgressLine(line(at)), stream.columns)}`);
    drawnAt = at;
    shown = true;
  };
  const drawSoon = () => {
    if (last && now() - drawnAt >= interval) draw();
  };

  return {
    update(state) {
      if (finished) return;
      // A new step's bytes start from 0: its rate too.
      if (last && last.step !== state.step) dumpRate.reset();
      dumpRate.add(now(), state.bytes);
      last = state;
      drawSoon();
    },
    uploaded(bytes) {
      if (finished) return;
      uploadRate.add(now(), bytes);
      uploaded = bytes;
      drawSoon();
    },
    clear() {
      if (finished || !shown) return;
      writeConsole(stream, ERASE_LINE);
      shown = false;
      drawnAt = Number.NEGATIVE_INFINITY;
    },
    stop() {
      if (finished) return;
      if (shown) writeConsole(stream, ERASE_LINE);
      finished = true;
    },
    done() {
      if (finished) return;
      finished = true;
      if (last) {
        draw();
        writeConsole(stream, '\n');
      }
    },
  };
}

/** `full (app): 123.4 MiB dumped, 12.3 MiB/s · 96.0 MiB uploaded, 10.1 MiB/s · public.orders` */
export function renderProgressLine(state: ProgressLine): string {
  const rate = (perSecond: number | undefined) => (perSecond === undefined ? '' : `, ${formatBytes(perSecond)}/s`);
  const upload = state.uploaded === undefined ? '' : ` · ${formatBytes(state.uploaded)} uploaded${rate(state.uploadRate)}`;
  const table = state.table ? ` · ${state.table}` : '';
  return `${state.step}: ${formatBytes(state.bytes)} dumped${rate(state.rate)}${upload}${table}`;
}

// A line longer than the terminal wraps, and '\r' then only rewinds its last row.
function fitToWidth(line: string, columns: number | undefined): string {
  if (!columns || columns < 2 || line.length < columns) return line;
  return `${line.slice(0, columns - 2)}…`;
}
