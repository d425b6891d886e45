import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import stringWidth from 'string-width';

// scripts/shims are plain JavaScript bundled into dist/cli.js by scripts/bundle-cli.js.
const asciiShim = '../../../scripts/shims/ascii-string-width.js';
const require = createRequire(import.meta.url);

describe('the ASCII fast path of string-width (yargs help layout in the CLI bundle)', () => {
  const samples = [
    '',
    'pgbak run <profile>',
    '  --output-dir  write the zip here                                  [string]',
    '~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./',
    'tab\there',
    'line\nbreak',
    '\u001b[31mred\u001b[39m',
    'café — naïve…',
    '日本語のテキスト',
    'a😀b👍🏽c',
    'e\u0301',
    '\u200bzero width',
  ];

  it.each(samples)('measures %j as string-width does', async (text) => {
    const { asciiFastStringWidth } = (await import(asciiShim)) as { asciiFastStringWidth(load: () => typeof stringWidth): typeof stringWidth };
    expect(asciiFastStringWidth(() => stringWidth)(text)).toBe(stringWidth(text));
    expect(asciiFastStringWidth(() => stringWidth)(text, { ambiguousIsNarrow: false })).toBe(stringWidth(text, { ambiguousIsNarrow: false }));
  });

  it('hands what is not a string to string-width', async () => {
    const { asciiFastStringWidth } = (await import(asciiShim)) as { asciiFastStringWidth(load: () => (text: unknown) => number): (text: unknown) => number };
    expect(asciiFastStringWidth(() => () => 42)(undefined)).toBe(42);
  });

  it('loads string-width for the first text that is not printable ASCII, and once only', async () => {
    const { asciiFastStringWidth } = (await import(asciiShim)) as { asciiFastStringWidth(load: () => typeof stringWidth): typeof stringWidth };
    let loads = 0;
    const width = asciiFastStringWidth(() => {
      loads++;
      return stringWidth;
    });
    expect(width('pgbak run <profile>')).toBe(19);
    expect(loads).toBe(0);
    expect(width('日本')).toBe(4);
    expect(width('a😀b')).toBe(4);
    expect(loads).toBe(1);
  });
});

describe("pg's stream functions without the Cloudflare probe (CLI bundle)", () => {
  const shim = require('../../../scripts/shims/pg-stream.cjs') as { getStream(ssl: unknown): Socket; getSecureStream(options: unknown): unknown };

  it('exports what pg/lib/stream.js exports', () => {
    const real = require(require.resolve('pg/lib/stream.js', { paths: [require.resolve('pg')] })) as object;
    expect(Object.keys(shim).sort()).toEqual(Object.keys(real).sort());
  });

  it('gives pg a plain net.Socket, as pg does on Node', () => {
    const socket = shim.getStream(false);
    expect(socket).toBeInstanceOf(Socket);
    socket.destroy();
  });
});
