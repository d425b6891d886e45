import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface StderrHandlers {
  /** Every line, as written by the tool. */
  onLine(line: string): void;
}

/**
 * Reads a child's stderr line by line, hands each line on, and keeps the last
 * lines that are not `--verbose` chatter, for the error message if the tool fails.
 */
export function followStderr(stream: Readable | null | undefined, handlers: StderrHandlers, keep = 20) {
  const tail: string[] = [];
  const done = new Promise<void>((resolve) => {
    if (!stream) return resolve();
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      handlers.onLine(line);
      if (isVerboseChatter(line)) return;
      tail.push(line);
      if (tail.length > keep) tail.shift();
    });
    lines.on('close', resolve);
    stream.on('error', () => resolve());
  });
  return { tail, done };
}

/** pg_dump's `--verbose` progress lines (`pg_dump: reading …`, `pg_dump: dumping contents of …`). */
export function isVerboseChatter(line: string): boolean {
  return /^pg_dump(all)?: (?!error|warning|fatal|detail|hint)/i.test(line) && !/error|warning|fatal/i.test(line);
}

/** The line that explains a failure best: the first `error:` line, else the last line. */
export function explainingLine(tail: readonly string[]): string | undefined {
  return tail.find((line) => /\berror:|FATAL:/.test(line)) ?? tail[tail.length - 1];
}
