// Makes a built bundle ASCII-only. esbuild escapes every non-ASCII character of strings,
// regular expressions and names (charset: 'ascii'), but the comments it keeps (those in
// object literals, arrays, calls: pgbak's own, pg's) keep theirs — "—", "…". One such
// character makes V8 hold the 2 MB source as a two-byte string: a slower UTF-8 decode at
// every start (10–20 ms) and twice the memory, allocated in the young generation (a
// scavenge sooner). Each UTF-16 unit of a non-ASCII character becomes "?": lines and
// columns stay where the source map says.
import { transform } from 'esbuild';

const nonAscii = /[^\x00-\x7f]/g;

/**
 * `code` with its non-ASCII characters replaced by "?". Throws unless they were all in
 * comments: the code without comments (esbuild's minifyWhitespace) must be the same before
 * and after.
 */
export async function asciiComments(code, file = 'bundle') {
  if (!/[^\x00-\x7f]/.test(code)) return code;
  const replaced = code.replace(nonAscii, '?');
  const withoutComments = async (text) => (await transform(text, { loader: 'js', minifyWhitespace: true, legalComments: 'none', charset: 'ascii' })).code;
  const before = await withoutComments(code);
  // A "?" in a name or an operator's place is no longer JavaScript: the same refusal.
  const after = await withoutComments(replaced).catch(() => undefined);
  if (before !== after) throw new Error(`${file}: a non-ASCII character outside a comment (esbuild should have escaped it): not made ASCII`);
  return replaced;
}
