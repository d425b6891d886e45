import { chooseUploadSizes, DEFAULT_PART_SIZE, UPLOAD_MEMORY_BUDGET } from '../../../lib/storage/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TB = 1000 ** 4;

describe('chooseUploadSizes', () => {
  it('without an estimate: 8 MiB parts, 10,000 of them, 2 at once (24 MiB of buffers)', () => {
    expect(chooseUploadSizes({}, null)).toEqual({
      partSize: 8 * MiB,
      maxParts: 10_000,
      queueSize: 2,
      estimatedBytes: null,
      maxObjectBytes: 80_000 * MiB,
      memoryBytes: 24 * MiB,
      warnings: [],
    });
  });

  it('a small database keeps the default part size', () => {
    expect(chooseUploadSizes({}, 2 * GiB)).toMatchObject({ partSize: DEFAULT_PART_SIZE, queueSize: 2 });
  });

  it('a 1 TB database: parts hold twice the estimate within 10,000 parts, rounded up to a MiB', () => {
    const sizes = chooseUploadSizes({}, TB);
    expect(sizes.partSize % MiB).toBe(0);
    expect(sizes.partSize).toBe(Math.ceil((2 * TB) / 10_000 / MiB) * MiB);
    expect(sizes.maxObjectBytes).toBeGreaterThanOrEqual(2 * TB);
    expect((sizes.partSize - MiB) * 10_000).toBeLessThan(2 * TB);
    // The queue is as low as it goes: two parts in memory are the price of a 1 TB dump.
    expect(sizes.queueSize).toBe(1);
    expect(sizes.memoryBytes).toBe(2 * sizes.partSize);
    expect(sizes.warnings).toEqual([]);
  });

  it('Scaleway\'s 1,000 parts: a 50 GiB database gets 103 MiB parts', () => {
    const sizes = chooseUploadSizes({ maxParts: 1000 }, 50 * GiB);
    expect(sizes.partSize).toBe(Math.ceil((100 * GiB) / 1000 / MiB) * MiB);
    expect(sizes.maxObjectBytes).toBeGreaterThanOrEqual(100 * GiB);
  });

  it('lowers the queue as parts grow so that (queueSize + 1) × partSize stays within 80 MiB (estimates up to ~195 GiB)', () => {
    for (const estimate of [10, 50, 100, 150, 190].map((n) => n * GiB)) {
      const sizes = chooseUploadSizes({}, estimate);
      expect(sizes.memoryBytes).toBeLessThanOrEqual(UPLOAD_MEMORY_BUDGET);
      expect(sizes.warnings).toEqual([]);
    }
    // Never more than the default queue of 2, fewer once three parts would not fit in 80 MiB.
    expect(chooseUploadSizes({ partSize: 16 * MiB }, null)).toMatchObject({ queueSize: 2, memoryBytes: 48 * MiB });
    expect(chooseUploadSizes({ partSize: 26 * MiB }, null)).toMatchObject({ queueSize: 2, memoryBytes: 78 * MiB });
    expect(chooseUploadSizes({ partSize: 27 * MiB }, null)).toMatchObject({ queueSize: 1, warnings: [] });
    expect(chooseUploadSizes({ partSize: 40 * MiB }, null)).toMatchObject({ queueSize: 1, warnings: [] });
    expect(chooseUploadSizes({ partSize: 64 * MiB }, null).warnings).toEqual([expect.stringContaining('more than the 80.0 MiB budget')]);
    expect(chooseUploadSizes({ queueSize: 16 }, null).warnings).toEqual([expect.stringContaining('(queueSize 16 + 1)')]);
  });

  it('never goes above S3\'s 5 GiB part', () => {
    expect(chooseUploadSizes({}, 100 * 1024 * GiB * 1024).partSize).toBe(5 * GiB);
  });

  it('keeps what the profile fixed, and warns when the parts cannot hold the estimate', () => {
    const sizes = chooseUploadSizes({ partSize: 5 * MiB, maxParts: 1000, queueSize: 8 }, 10 * GiB);
    expect(sizes).toMatchObject({ partSize: 5 * MiB, maxParts: 1000, queueSize: 8, maxObjectBytes: 5000 * MiB });
    expect(sizes.warnings).toEqual([expect.stringContaining('the upload may fail when it runs out of parts')]);
  });
});
