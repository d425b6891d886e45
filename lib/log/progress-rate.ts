/**
 * A rate over the last few seconds of a growing byte count: what a progress line
 * shows as `12.3 MiB/s`. A count that drops (a new step starts from 0) starts over.
 */
export class ByteRate {
  private samples: { at: number; bytes: number }[] = [];

  /** `windowMs`: how far back the rate looks; `minSpanMs`: no rate before this much history. */
  constructor(
    private readonly windowMs = 5_000,
    private readonly minSpanMs = 1_000,
  ) {}

  add(at: number, bytes: number): void {
    const last = this.samples.at(-1);
    if (last && bytes < last.bytes) this.samples = [];
    if (last && last.at === at && bytes >= last.bytes) last.bytes = bytes;
    else this.samples.push({ at, bytes });
    this.trim(at);
  }

  /**
   * Bytes per second from the newest sample that is at least a window old up to `now`:
   * a count that stopped growing (an upload waiting for its next part) shows its rate
   * falling, not the last one frozen. Undefined until there is `minSpanMs` of history.
   */
  perSecond(now: number): number | undefined {
    this.trim(now);
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || now - first.at < this.minSpanMs) return undefined;
    return ((last.bytes - first.bytes) * 1000) / (now - first.at);
  }

  reset(): void {
    this.samples = [];
  }

  // Keeps one sample at or before the window's start, as the base of the rate.
  private trim(now: number): void {
    while (this.samples.length > 1 && now - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }
}
