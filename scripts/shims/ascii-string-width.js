// Wraps each copy of string-width bundled into dist/cli.cjs (see scripts/bundle-cli.js).
// yargs renders the help of the command it runs (to have it ready should the command
// fail), and string-width measures every cell of it grapheme by grapheme, building a new
// emoji regex for each: 20–30 ms of every pgbak start. A string of printable ASCII is as
// wide as it is long; anything else is measured by the copy of string-width asked for.
const printableAscii = /^[\x20-\x7e]*$/;

export function asciiFastStringWidth(stringWidth) {
  return (text, options) => (typeof text === 'string' && printableAscii.test(text) ? text.length : stringWidth(text, options));
}
