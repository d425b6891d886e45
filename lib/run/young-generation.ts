import { setFlagsFromString } from 'node:v8';

/**
 * Lets V8's young generation grow again (to its default of 16 MiB per semi-space), which
 * bin/pgbak.js keeps at 1 MiB for the streamed dumps. The native engine builds many objects
 * per row that live until their batch is written: in a 1 MiB generation they are promoted to
 * the old one, which then needs full collections — a native dump of pgbench scale 50 took
 * ~40% more CPU and more memory (BENCHMARKS.md, 2026-12-05 morning). V8 reads the factor each
 * time it would grow the generation; it is not set back: the rest of the run is small.
 */
export function letYoungGenerationGrow(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
