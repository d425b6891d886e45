import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../support/cli.js';

// scripts/lib/ascii-bundle.js is plain JavaScript run by scripts/bundle-cli.js.
const asciiBundle = '../../../scripts/lib/ascii-bundle.js';
type AsciiComments = (code: string, file?: string) => Promise<string>;
const load = async () => ((await import(asciiBundle)) as { asciiComments: AsciiComments }).asciiComments;

describe('making a bundle ASCII-only (a one-byte source string for V8)', () => {
  it('replaces each UTF-16 unit of a non-ASCII character in a comment by "?", lines and columns unchanged', async () => {
    const asciiComments = await load();
    const code = 'const a = 1; // über — x\n/* ✓ */ f(/* é */);\nconst o = { /** ü */ a: 1, b: [/* ß */ 2] };\n// 😀\n';
    const ascii = await asciiComments(code);
    expect(ascii).toBe('const a = 1; // ?ber ? x\n/* ? */ f(/* ? */);\nconst o = { /** ? */ a: 1, b: [/* ? */ 2] };\n// ??\n');
    expect(ascii).toHaveLength(code.length);
  });

  it('leaves ASCII code as it is', async () => {
    const asciiComments = await load();
    expect(await asciiComments('const a = "x"; // plain\n')).toBe('const a = "x"; // plain\n');
  });

  it.each([
    ['a string', 'const a = "é"; // ü'],
    ['a regular expression', 'const r = /é/u;'],
    ['a template literal', 'const t = `x—${1}`;'],
    ['a name', 'const é = 1;'],
    ['code after a line separator that ends a // comment', 'let a = 1; // x\u2028a = 2;\n'],
  ])('refuses a non-ASCII character in %s (the code would change)', async (_what, code) => {
    const asciiComments = await load();
    await expect(asciiComments(code, 'x.cjs')).rejects.toThrow(/x\.cjs: a non-ASCII character outside a comment/);
  });

  it.each(['dist/cli.cjs', 'dist/s3.cjs'])('holds for the built %s', (file) => {
    expect(isAscii(readFileSync(join(repoRoot, file)))).toBe(true);
  });
});
