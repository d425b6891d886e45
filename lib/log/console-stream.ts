/**
 * The console is best effort: a closed stdout or stderr (`pgbak run … | head -1`,
 * a cron daemon gone) must never stop or fail a backup. Writing to a pipe whose
 * reader has gone emits EPIPE as an 'error' event, which with no listener kills
 * the process halfway through a run; here every console stream gets one listener
 * that marks it broken, and later writes to it are skipped.
 */
const broken = new WeakSet<NodeJS.WritableStream>();
const guarded = new WeakSet<NodeJS.WritableStream>();

/** Makes write errors on `stream` harmless (once per stream); returns the stream. */
export function guardConsoleStream<S extends NodeJS.WritableStream>(stream: S): S {
  if (guarded.has(stream)) return stream;
  guarded.add(stream);
  stream.on('error', () => broken.add(stream));
  return stream;
}

/** Whether `stream` can still take console output. */
export function isConsoleWritable(stream: NodeJS.WritableStream): boolean {
  if (broken.has(stream)) return false;
  const state = stream as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
  return state.destroyed !== true && state.writableEnded !== true;
}

/** Writes `text` if the stream still takes it; an error only marks the stream broken. */
export function writeConsole(stream: NodeJS.WritableStream, text: string): void {
  guardConsoleStream(stream);
  if (!isConsoleWritable(stream)) return;
  try {
    // An asynchronous failure arrives as 'error', which the guard turns into `broken`.
    stream.write(text);
  } catch {
    broken.add(stream);
  }
}
