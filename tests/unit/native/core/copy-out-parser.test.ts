import { CopyOutParser } from '../../../../lib/engines/native/copy-out.js';

// Protocol messages as the server sends them: a type byte, a length that counts itself, the content.
function message(type: string, content: Buffer | string = ''): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const rows = ['1\t1\t0\t\n', '2\tcafé\t\\N\n', `3\t${'x'.repeat(300)}\n`, '4\t\t\n', `5\t${'y'.repeat(70_000)}\n`];
const copyOutResponse = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]));
const afterCopy = Buffer.concat([message('C', 'COPY 5\0'), message('Z', 'T')]);

// The whole response to `COPY … TO STDOUT`, with a notice and a parameter status between the rows.
function response(): Buffer {
  return Buffer.concat([
    copyOutResponse,
    message('d', rows[0]!),
    message('N', 'SNOTICE\0Mhello\0\0'),
    message('d', rows[1]!),
    message('d', rows[2]!),
    message('S', 'TimeZone\0UTC\0'),
    message('d', rows[3]!),
    message('d', rows[4]!),
    message('c'),
    afterCopy,
  ]);
}

// Feeds copies of the pieces (the parser writes over what it is given) and gathers what it returns.
function parse(pieces: Buffer[]): { data: string; rest: Buffer | null; ended: boolean } {
  const parser = new CopyOutParser();
  const data: Buffer[] = [];
  let rest: Buffer | null = null;
  for (const piece of pieces) {
    const out = parser.feed(Buffer.from(piece));
    if (out.data) data.push(Buffer.from(out.data));
    if (out.rest) rest = Buffer.concat([rest ?? Buffer.alloc(0), out.rest]);
  }
  return { data: Buffer.concat(data).toString('utf8'), rest, ended: parser.ended };
}

describe('CopyOutParser (COPY TO STDOUT, a socket chunk at a time)', () => {
  it('returns exactly the rows and hands the bytes after CopyDone back, wherever the chunks are cut', () => {
    const whole = response();
    const cuts = [...Array(whole.length + 1).keys()].filter((i) => i < 120 || i > whole.length - 120 || i % 997 === 0);
    for (const cut of cuts) {
      const result = parse([whole.subarray(0, cut), whole.subarray(cut)]);
      expect({ cut, data: result.data }).toEqual({ cut, data: rows.join('') });
      expect(result.ended).toBe(true);
      expect(result.rest).toEqual(afterCopy);
    }
  });

  it('reads headers cut into pieces of a byte or two (fewer than the 5 bytes of a header)', () => {
    const whole = response();
    for (const size of [1, 2, 3, 4, 7]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) pieces.push(whole.subarray(i, i + size));
      const result = parse(pieces);
      expect(result.data).toBe(rows.join(''));
      expect(result.rest).toEqual(afterCopy);
    }
  });

  it('stops at an ErrorResponse and leaves it, unread, for the driver', () => {
    const error = message('E', 'SERROR\0C42501\0Mpermission denied\0\0');
    const whole = Buffer.concat([copyOutResponse, message('d', rows[0]!), error, message('Z', 'I')]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const result = parse([whole.subarray(0, cut), whole.subarray(cut)]);
      expect(result.data).toBe(rows[0]);
      expect(result.ended).toBe(true);
      expect(result.rest).toEqual(Buffer.concat([error, message('Z', 'I')]));
    }
  });

  it('an error before any row (the table cannot be read) gives no data', () => {
    const error = message('E', 'SERROR\0C42501\0Mpermission denied\0\0');
    const result = parse([Buffer.concat([error, message('Z', 'I')])]);
    expect(result.data).toBe('');
    expect(result.rest?.subarray(0, error.length)).toEqual(error);
  });

  it('a table without rows: CopyOutResponse, then CopyDone', () => {
    const result = parse([Buffer.concat([copyOutResponse, message('c'), afterCopy])]);
    expect(result).toEqual({ data: '', rest: afterCopy, ended: true });
  });
});
