// LocalFileSource: ranged reads of one open file, as the zip reader makes them.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalFileSource } from '../../../lib/storage/index.js';
import { useTempDir } from '../archive/support.js';

const tempDir = useTempDir();
const data = randomBytes(300 * 1024 + 17);

// Buffers compared with equals(): jest's toEqual walks them byte by byte (a minute for 3 MiB).
async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('LocalFileSource', () => {
  it('reads exact ranges, the empty one included', async () => {
    const file = join(tempDir(), 'a.bin');
    await writeFile(file, data);
    const source = await LocalFileSource.open(file);
    expect(source.size).toBe(data.length);
    expect((await bytesOf(source.readStream(0, data.length))).equals(data)).toBe(true);
    expect((await bytesOf(source.readStream(70_000, 200_001))).equals(data.subarray(70_000, 200_001))).toBe(true);
    expect((await bytesOf(source.readStream(9, 9))).equals(Buffer.alloc(0))).toBe(true);
    await source.close();
    await source.close();
  });

  // It did: fs streams on a FileHandle close the handle when destroyed, whatever autoClose says.
  it('destroying one stream mid-read does not close the file for the others', async () => {
    const file = join(tempDir(), 'a.bin');
    await writeFile(file, data);
    const source = await LocalFileSource.open(file);
    const stream = source.readStream(0, data.length);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect((await bytesOf(source.readStream(100, 200))).equals(data.subarray(100, 200))).toBe(true);
    await source.close();
  });

  it('a range past the end of the file fails the stream', async () => {
    const file = join(tempDir(), 'a.bin');
    await writeFile(file, data);
    const source = await LocalFileSource.open(file);
    await expect(bytesOf(source.readStream(data.length - 10, data.length + 10))).rejects.toThrow(/unexpected end of file/);
    await source.close();
  });

  it('a missing file or a directory fails at open with the fs code', async () => {
    await expect(LocalFileSource.open(join(tempDir(), 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(join(tempDir(), 'd'));
    await expect(LocalFileSource.open(join(tempDir(), 'd'))).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
