import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import '../../../lib/archive/fast-crc32.js';

const require = createRequire(import.meta.url);
const shim = require('../../../scripts/shims/buffer-crc32.cjs') as { unsigned(b: Buffer, p?: number): number; signed(b: Buffer, p?: number): number };

describe("yazl's CRC-32 in C", () => {
  // Reference values from the JavaScript implementation yazl ships with.
  const cases: Array<[string, number]> = [
    ['', 0],
    ['hello', 907060870],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ];

  it.each(cases)('gives the same unsigned CRC-32 for %p', (text, expected) => {
    expect(shim.unsigned(Buffer.from(text))).toBe(expected);
    expect(crc32(Buffer.from(text))).toBe(expected);
  });

  it('continues a running CRC over chunks like one call over the whole', () => {
    const whole = Buffer.from('a'.repeat(1000) + 'b'.repeat(777));
    let running = 0;
    for (let i = 0; i < whole.length; i += 100) running = shim.unsigned(whole.subarray(i, i + 100), running);
    expect(running).toBe(shim.unsigned(whole));
    expect(shim.signed(whole)).toBe(shim.unsigned(whole) | 0);
  });

  it("points yazl's own buffer-crc32 at zlib for library users", () => {
    const yazlCrc = require(require.resolve('buffer-crc32', { paths: [require.resolve('yazl')] })) as { unsigned(b: Buffer): number };
    expect(yazlCrc.unsigned(Buffer.from('hello'))).toBe(907060870);
    expect(yazlCrc.unsigned.toString()).toContain('zlib');
  });
});
