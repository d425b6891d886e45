import type { Writable } from 'node:stream';

/** An archive once it is complete, durable and visible where it lives. */
export interface CommittedArchive {
  /** Where it is: an absolute path, or a URL such as `s3://bucket/key`; several, comma-separated, for a tee. */
  location: string;
  /** Its size in bytes. */
  bytes: number;
  /** sha256 of its bytes (lowercase hex), hashed as they went to the store. */
  sha256: string;
  /** One record per copy when the archive went to several places (a tee); absent for one. */
  copies?: CommittedArchive[];
}

/**
 * Where one archive's bytes go while it is being written: a local file
 * (`.partial` → fsync → rename), an upload, or several at once. It knows nothing
 * about what the bytes are.
 *
 * The life of a sink:
 * - write the bytes into {@link writable} (with backpressure: honour `write()`'s return
 *   value, or use `pipeline()`); ending it says "that was the last byte" and publishes
 *   nothing;
 * - then {@link commit}: only now does the archive appear under {@link location},
 *   complete;
 * - on any failure, {@link abort}, or destroy the writable with an error: either way
 *   nothing is left (no partial file, no object, no unfinished upload).
 *
 * A failure must reach a sink as an error, never as an early end: a store that
 * publishes whatever it got when its input ends (lib-storage's `Upload` completes a
 * truncated object) must hold that end back until {@link commit}, and see `abort()` or
 * a destroyed writable as the signal to throw everything away.
 */
export interface ArchiveSink {
  /** Where the archive will be once committed (an absolute path, `s3://bucket/key`): for messages and summaries. */
  readonly location: string;
  /**
   * The archive's bytes. Its errors are user-facing already (a PgbakError naming
   * where, such as "cannot write to /backups: no space left on device (ENOSPC)").
   * Destroying it, with or without an error, before it finished aborts the sink.
   */
  readonly writable: Writable;
  /**
   * Ends the writable if that was not done yet, waits for every byte to be stored,
   * and makes the archive appear under {@link location}. Call once. When it rejects,
   * the sink has removed what it wrote, unless the archive already appeared (the
   * error then says what is in doubt, such as the rename's durability).
   */
  commit(): Promise<CommittedArchive>;
  /**
   * Says that the archive's first bytes are coming soon (the first step's tool has
   * started): a sink that gets ready only at its first byte (deferred-sink.ts, which
   * loads the AWS SDK) starts now, while the tool connects and reads its catalog, instead
   * of holding the tool's first bytes. Optional, safe at any moment, never throws: a
   * failure to get ready is the writable's error once bytes come.
   */
  prepare?(): void;
  /**
   * Says that the archive came to a break (a streamed entry such as pg_dump's output has
   * ended, and what follows is small): a sink that holds bytes back to send them in
   * large pieces (an upload's part) may send what it holds now. Optional, safe at any
   * moment, never throws, publishes nothing.
   */
  flush?(): void;
  /**
   * Destroys the writable with `reason` (so whoever writes into it stops with that
   * error) and removes whatever was written. Idempotent and safe at any moment;
   * during {@link commit} it waits for it, and a committed archive is left alone.
   */
  abort(reason?: Error): Promise<void>;
}
