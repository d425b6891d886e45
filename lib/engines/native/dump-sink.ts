import type { Readable, Writable } from 'node:stream';
import { PgbakError } from '../../errors.js';

/**
 * The dump's output: every byte the native engine writes goes through here, so
 * that backpressure is honoured in one place (a write that fills the buffer
 * waits for `drain`) and the byte count is exact. The output is never ended
 * here: the caller owns it.
 */
const batchBytes = 256 * 1024;

export class DumpSink {
  #bytes = 0;

  constructor(
    readonly output: Writable,
    readonly signal?: AbortSignal,
  ) {}

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Writes text (UTF-8) or bytes, waiting for `drain` when the output is full. */
  async write(chunk: string | Buffer): Promise<void> {
    throwIfAborted(this.signal);
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (buffer.length === 0) return;
    if (this.output.destroyed || this.output.writableEnded) {
      throw new PgbakError('STEP_FAILED', 'the dump output was closed before the dump was complete');
    }
    this.#bytes += buffer.length;
    if (!this.output.write(buffer)) await waitForDrain(this.output);
  }

  /**
   * Copies a readable into the output. COPY streams arrive a socket read at a
   * time (a few KiB to 64 KiB); they are gathered into ~256 KiB writes (each
   * write costs a trip through the zip's hashing, CRC and deflate streams; 1 MiB
   * measured no better), and the source is paused whenever the output is
   * full, so memory stays at a batch or two. Aborting `signal` (besides the
   * sink's own) stops the copy with the signal's reason.
   */
  async writeFrom(source: Readable, signal?: AbortSignal): Promise<void> {
    throwIfAborted(this.signal);
    if (signal?.aborted) throw signal.reason;
    const output = this.output;
    await new Promise<void>((resolve, reject) => {
      let parts: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (error?: Error) => {
        if (done) return;
        done = true;
        source.off('data', onData);
        source.off('end', onEnd);
        source.off('error', finish);
        output.off('drain', onDrain);
        output.off('error', finish);
        output.off('close', onClose);
        this.signal?.removeEventListener('abort', onAbort);
        signal?.removeEventListener('abort', onStop);
        if (error) {
          source.destroy();
          reject(error);
        } else resolve();
      };
      const flush = (): boolean => {
        if (size === 0) return true;
        const buffer = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
        parts = [];
        size = 0;
        this.#bytes += buffer.length;
        return output.write(buffer);
      };
      const onData = (chunk: Buffer) => {
        parts.push(chunk);
        size += chunk.length;
        if (size >= batchBytes && !flush()) source.pause();
      };
      const onDrain = () => source.resume();
      const onEnd = () => {
        if (flush()) return finish();
        output.once('drain', () => finish());
      };
      const onClose = () => finish(new PgbakError('STEP_FAILED', 'the dump output was closed before the dump was complete'));
      const onAbort = () => finish(abortError());
      const onStop = () => finish(signal!.reason instanceof Error ? signal!.reason : abortError());
      if (output.destroyed || output.writableEnded) return onClose();
      source.on('data', onData);
      source.on('end', onEnd);
      source.on('error', finish);
      output.on('drain', onDrain);
      output.on('error', finish);
      output.on('close', onClose);
      this.signal?.addEventListener('abort', onAbort, { once: true });
      signal?.addEventListener('abort', onStop, { once: true });
    });
  }
}

function waitForDrain(output: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      output.off('drain', onDrain);
      output.off('error', onError);
      output.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // A destroyed output never drains: fail rather than wait forever.
    const onClose = () => {
      cleanup();
      reject(new PgbakError('STEP_FAILED', 'the dump output was closed before the dump was complete'));
    };
    output.on('drain', onDrain);
    output.on('error', onError);
    output.on('close', onClose);
  });
}

export function abortError(): PgbakError {
  return new PgbakError('INTERRUPTED', 'interrupted; the native dump was stopped and is incomplete');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}
