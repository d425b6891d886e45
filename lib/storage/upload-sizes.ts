// How an archive of unknown length is cut into the parts of a multipart upload. Pure:
// `plan` prints it, the run hands it to the S3 sink. No AWS SDK here (plan is in the CLI bundle).
import { S3_LIMITS, type S3UploadOptions } from '../config/storage.js';
import { formatBytes } from '../log/index.js';

const MiB = 1024 * 1024;

/** Part size when the estimate asks for no more (and when there is none). */
export const DEFAULT_PART_SIZE = 8 * MiB;
/**
 * Parts uploaded at once when parts are small. 2, not 4 as lib-storage: against a loopback
 * server a run took as long with 2 as with 4 (the server is the bottleneck), and its peak
 * memory went down by 16 MiB, which the 150 MB budget of a run needed (BENCHMARKS.md,
 * 2026-12-05 morning). A store far away wants more at once: set queueSize.
 */
export const DEFAULT_QUEUE_SIZE = 2;
/**
 * What the upload's part buffers may hold at once: (queueSize + 1) × partSize, the parts in
 * flight and the one being filled. The S3 sink allocates exactly these buffers and reuses
 * them (it no longer goes through lib-storage, which copied each part again: 2.5–3× this,
 * BENCHMARKS.md 2026-12-05); the rest of a run's memory is the SDK, the zip writer and Node.
 */
export const UPLOAD_MEMORY_BUDGET = 80 * MiB;
/** The parts must hold this many times the estimate: pg_database_size is a rough guess of a dump's size. */
export const ESTIMATE_HEADROOM = 2;

/** The sizes one upload uses, and why. */
export interface UploadSizes {
  partSize: number;
  maxParts: number;
  queueSize: number;
  /** The archive's estimated size the part size was chosen for (bytes); null when unknown. */
  estimatedBytes: number | null;
  /** The largest object these sizes can upload: partSize × maxParts. */
  maxObjectBytes: number;
  /** What the part buffers hold at most: (queueSize + 1) × partSize. */
  memoryBytes: number;
  /** Said when sizes the profile fixed do not fit the estimate or the memory budget. */
  warnings: string[];
}

/**
 * The rule (docs/storage.md, "Upload settings"):
 * - maxParts: the profile's, else 10,000;
 * - partSize: the profile's, else the smallest whole number of MiB with
 *   partSize × maxParts ≥ 2 × the estimate, at least 8 MiB and at most 5 GiB;
 * - queueSize: the profile's, else as many parts as fit the 80 MiB budget beside the one
 *   being filled — floor(80 MiB / partSize) − 1 — between 1 and 2.
 * Parts larger than 40 MiB (an estimate above ~195 GiB with 10,000 parts) need
 * 2 × partSize even with one part in flight: that is the price of not running out of
 * parts. Sizes the profile fixed that miss the estimate or the budget are warned about.
 */
export function chooseUploadSizes(options: Pick<S3UploadOptions, 'partSize' | 'maxParts' | 'queueSize'>, estimatedBytes: number | null): UploadSizes {
  const maxParts = options.maxParts ?? S3_LIMITS.maxParts;
  const wanted = estimatedBytes === null ? 0 : Math.ceil((ESTIMATE_HEADROOM * estimatedBytes) / maxParts / MiB) * MiB;
  const partSize = options.partSize ?? Math.min(S3_LIMITS.maxPartSize, Math.max(DEFAULT_PART_SIZE, wanted));
  const queueSize = options.queueSize ?? Math.min(DEFAULT_QUEUE_SIZE, Math.max(1, Math.floor(UPLOAD_MEMORY_BUDGET / partSize) - 1));
  const sizes = {
    partSize,
    maxParts,
    queueSize,
    estimatedBytes,
    maxObjectBytes: partSize * maxParts,
    memoryBytes: (queueSize + 1) * partSize,
  };
  const warnings: string[] = [];
  if (estimatedBytes !== null && sizes.maxObjectBytes < estimatedBytes) {
    warnings.push(
      `parts of ${formatBytes(partSize)} × ${maxParts} hold ${formatBytes(sizes.maxObjectBytes)}, less than the ${formatBytes(estimatedBytes)} the databases take: the upload may fail when it runs out of parts (raise partSize, or leave it out to have it chosen)`,
    );
  }
  // Chosen here, large parts are the price of a large database (the run logs the sizes);
  // fixed by the profile, they may be a mistake.
  if (sizes.memoryBytes > UPLOAD_MEMORY_BUDGET && (options.partSize !== undefined || options.queueSize !== undefined)) {
    warnings.push(`the upload holds up to ${formatBytes(sizes.memoryBytes)} in memory ((queueSize ${queueSize} + 1) × partSize ${formatBytes(partSize)}), more than the ${formatBytes(UPLOAD_MEMORY_BUDGET)} budget`);
  }
  return { ...sizes, warnings };
}
