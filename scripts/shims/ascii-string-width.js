// Wraps each copy of string-width bundled into dist/cli.cjs (see scripts/bundle-cli.js).
// yargs lays out its help with it, and string-width measures every cell of it grapheme by
// grapheme, building a new emoji regex for each: 20–30 ms of every pgbak start. A string of
// printable ASCII is as wide as it is long; anything else is measured by the copy of
// string-width asked for, loaded then: its module builds an Intl.Segmenter and Unicode
// property regexes (the RGI emoji set) when it loads, ~20 ms of CPU that a start whose text
// is all ASCII — every run — never needs.
const printableAscii = /^[\x20-\x7e]*$/;

/** `load` returns string-width; it is called once, for the first text that is not printable ASCII. */
export function asciiFastStringWidth(load) {
  let stringWidth;
  return (text, options) => {
    if (typeof text === 'string' && printableAscii.test(text)) return text.length;
    stringWidth ??= load();
    return stringWidth(text, options);
  };
}
