import assert from 'node:assert';
import { createRequire } from 'node:module';

// scripts/shims/lazy-assert.cjs stands in for node:assert in the CLI bundle (yargs' platform shim,
// pg-copy-streams): what node:assert lets pass returns at once, what it refuses throws its own error.
const lazy = createRequire(import.meta.url)('../../../scripts/shims/lazy-assert.cjs') as typeof assert;

const thrown = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('the bundle\'s stand-in for node:assert', () => {
  const cases: Array<[string, (a: typeof assert) => void]> = [
    ['assert(true)', (a) => a(true)],
    ['assert(0)', (a) => a(0, 'zero')],
    ['ok(1)', (a) => a.ok(1)],
    ['ok("")', (a) => a.ok('', 'empty')],
    ['strictEqual(NaN, NaN)', (a) => a.strictEqual(NaN, NaN)],
    ['strictEqual(0, -0)', (a) => a.strictEqual(0, -0)],
    ['strictEqual(1, "1")', (a) => a.strictEqual(1, '1', 'loose')],
    ['notStrictEqual(1, 2)', (a) => a.notStrictEqual(1, 2)],
    ['notStrictEqual(undefined, undefined)', (a) => a.notStrictEqual(undefined, undefined, 'same')],
    ['notStrictEqual(0, -0)', (a) => a.notStrictEqual(0, -0)],
  ];

  it.each(cases)('%s passes or throws exactly as node:assert does', (_name, call) => {
    const real = thrown(() => call(assert));
    const shim = thrown(() => call(lazy));
    expect(shim === undefined).toBe(real === undefined);
    if (real !== undefined) {
      expect(shim).toBeInstanceOf(assert.AssertionError);
      expect((shim as Error).message).toBe((real as Error).message);
    }
  });
});
