import type { Readable, Writable } from 'node:stream';
import { PgbakError } from '../../errors.js';

/**
 * The dump's output: every byte the native engine writes goes through here, so
 * that backpressure is honoured in one place (a write that fills the buffer
 * waits for `drain`) and the byte count is exact. The output is never ended
 * here: the caller owns it.
 */
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

  /** Copies a readable into the output chunk by chunk (memory stays at one chunk). */
  async writeFrom(source: Readable): Promise<void> {
    const onAbort = () => source.destroy(abortError());
    this.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const chunk of source) await this.write(chunk as Buffer);
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
    }
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
