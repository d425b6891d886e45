// Waiting on a Writable a sink writes into: its room for more, its end.
import type { Writable } from 'node:stream';
import { PgbakError } from '../errors.js';

/** Resolves on 'drain'; rejects when the stream fails or closes first. */
export function drained(stream: Writable): Promise<void> {
  return settleOn(stream, 'drain', () => stream.writableNeedDrain === false);
}

/** Ends `stream` and resolves once it finished; rejects when it fails or closes first. */
export function ended(stream: Writable): Promise<void> {
  stream.end();
  return settleOn(stream, 'finish', () => stream.writableFinished);
}

function settleOn(stream: Writable, event: 'drain' | 'finish', already: () => boolean): Promise<void> {
  if (already()) return Promise.resolve();
  if (stream.destroyed) return Promise.reject(stream.errored ?? closedEarly());
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off(event, onDone);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDone = () => (cleanup(), resolve());
    const onError = (error: Error) => (cleanup(), reject(error));
    const onClose = () => (cleanup(), already() ? resolve() : reject(stream.errored ?? closedEarly()));
    stream.once(event, onDone);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

function closedEarly(): PgbakError {
  return new PgbakError('INTERRUPTED', 'a copy of the archive closed before its end');
}
