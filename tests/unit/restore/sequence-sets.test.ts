import { Readable } from 'node:stream';
import { parseSetval, scanSequenceSets } from '../../../lib/restore/sequence-sets.js';

const header = (name: string, schema = 'public') => `--\n-- Name: ${name}; Type: SEQUENCE SET; Schema: ${schema}; Owner: app\n--\n\n`;

describe('scanSequenceSets', () => {
  it('reads the values of the SEQUENCE SET entries as pg_dump and the native engine write them', async () => {
    const script = [
      "SET client_encoding = 'UTF8';\n",
      header('orders_id_seq'),
      "SELECT pg_catalog.setval('public.orders_id_seq', 902000, true);\n\n",
      header('Weird Seq', 'My Schema'),
      `SELECT pg_catalog.setval('"My Schema"."Weird Seq"', 7, false);\n`,
      header('it\'s', 'public'),
      `SELECT pg_catalog.setval('"public"."it''s"', -5, true);\n`,
    ].join('');
    expect(await scanSequenceSets([Buffer.from(script)])).toEqual({
      'public.orders_id_seq': { lastValue: '902000', isCalled: true },
      '"My Schema"."Weird Seq"': { lastValue: '7', isCalled: false },
      'public."it\'s"': { lastValue: '-5', isCalled: true },
    });
  });

  it('ignores setval lines inside COPY data, in function bodies and without an entry header, across chunk boundaries', async () => {
    const script = [
      'COPY public.t (a) FROM stdin;\n',
      header('fake'),
      "SELECT pg_catalog.setval('public.fake', 1, true);\n",
      '\\.\n\n',
      "CREATE FUNCTION f() RETURNS void AS $$\nSELECT pg_catalog.setval('public.body', 2, true);\n$$ LANGUAGE sql;\n",
      "SELECT pg_catalog.setval('public.bare', 3, true);\n",
      header('real'),
      "SELECT pg_catalog.setval('public.real', 4, true);\n",
    ].join('');
    // One byte at a time: lines split anywhere still read whole.
    const bytes = [...Buffer.from(script)].map((b) => Buffer.from([b]));
    expect(await scanSequenceSets(Readable.from(bytes))).toEqual({ 'public.real': { lastValue: '4', isCalled: true } });
  });

  it('drops lines longer than any it looks at (COPY rows, one-line INSERTs) without losing its place', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const chunks = [
      'COPY public.t (a) FROM stdin;\n',
      `${long}\n`,
      '\\.\n',
      `INSERT INTO public.t VALUES ('${long}');\n`,
      header('real'),
      "SELECT pg_catalog.setval('public.real', 4, true);\n",
    ].flatMap((text) => {
      const bytes = Buffer.from(text);
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 65536) parts.push(bytes.subarray(i, i + 65536));
      return parts;
    });
    expect(await scanSequenceSets(Readable.from(chunks))).toEqual({ 'public.real': { lastValue: '4', isCalled: true } });
  });

  it('reads names in the script\'s own encoding (LATIN1)', async () => {
    const script = Buffer.concat([
      Buffer.from("SET client_encoding = 'LATIN1';\n" + header('x')),
      Buffer.from("SELECT pg_catalog.setval('public.\"s\xe9q\"', 9, true);\n", 'latin1'),
    ]);
    expect(await scanSequenceSets([script])).toEqual({ 'public."séq"': { lastValue: '9', isCalled: true } });
  });
});

describe('parseSetval', () => {
  it('folds unquoted names to lower case and refuses what is not a setval of a qualified name', () => {
    expect(parseSetval("SELECT pg_catalog.setval('public.seq', 1, true);")).toEqual({ sequence: 'public.seq', lastValue: '1', isCalled: true });
    expect(parseSetval("SELECT pg_catalog.setval(E'public.\\\\x', 1, true);")).toEqual({ sequence: 'public."\\x"', lastValue: '1', isCalled: true });
    expect(parseSetval("SELECT pg_catalog.setval('seq', 1, true);")).toBeNull();
    expect(parseSetval("SELECT pg_catalog.setval('public.seq', 1, true); DROP TABLE x;")).toBeNull();
  });
});
