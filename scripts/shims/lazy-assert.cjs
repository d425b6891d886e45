// Bundled in place of `assert` for yargs' platform shim and pg-copy-streams (see
// scripts/bundle-cli.js): both require node:assert when they load, and yargs calls it at
// every start (each option's description is asserted not to be `true`). An assertion that
// holds returns here; node:assert (its error classes, util.inspect helpers) is loaded only
// to throw one that does not, with its own message and AssertionError. strictEqual and
// notStrictEqual compare with Object.is, as node:assert's do.
'use strict';

function assert(value, ...rest) {
  if (value) return;
  require('assert')(value, ...rest);
}
assert.ok = assert;
assert.strictEqual = (actual, expected, ...rest) => {
  if (Object.is(actual, expected)) return;
  require('assert').strictEqual(actual, expected, ...rest);
};
assert.notStrictEqual = (actual, expected, ...rest) => {
  if (!Object.is(actual, expected)) return;
  require('assert').notStrictEqual(actual, expected, ...rest);
};

module.exports = assert;
