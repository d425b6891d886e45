import type { Writable } from 'node:stream';
import { PgbakError } from '../errors.js';
import type { ArchiveSink, CommittedArchive } from './sink.js';

export type SinkState = 'open' | 'committing' | 'committed' | 'aborted';

/**
 * The life every {@link ArchiveSink} shares: one commit; an abort that is safe at any
 * moment, waits for a commit under way and never touches a committed archive. A sink
 * says how its bytes become an archive ({@link complete}, which sets the state to
 * `committed` or `aborted`) and how they are thrown away ({@link discard}).
 */
export abstract class SinkLifecycle implements ArchiveSink {
  abstract readonly location: string;
  abstract readonly writable: Writable;
  protected state: SinkState = 'open';
  private committing: Promise<CommittedArchive> | undefined;

  commit(): Promise<CommittedArchive> {
    if (this.state !== 'open') {
      return Promise.reject(new PgbakError('INTERNAL', `cannot commit ${this.location}: it is ${this.state}`));
    }
    this.state = 'committing';
    this.committing = this.complete();
    return this.committing;
  }

  async abort(reason?: Error): Promise<void> {
    if (this.state === 'committing') await this.committing?.catch(() => undefined);
    if (this.state === 'committed') return;
    this.state = 'aborted';
    const why = reason ?? new PgbakError('INTERRUPTED', `writing ${this.location} was aborted`);
    if (!this.writable.destroyed) this.writable.destroy(why);
    await this.discard(why);
  }

  protected abstract complete(): Promise<CommittedArchive>;

  protected abstract discard(reason: Error): Promise<void>;
}
