import { renderEntryComment, renderHeader } from '../../../../lib/engines/native/header.js';
import { entry } from './support.js';

describe('native dump header', () => {
  it("sets what pg_dump's plain format sets, after a comment saying what wrote it", () => {
    const header = renderHeader({ database: 'app', serverVersion: '17.2', pgbakVersion: '0.1.0', kind: 'full' });
    expect(header).toContain('-- Dumped from database version 17.2\n-- Dumped by pgbak 0.1.0 (native engine)\n');
    expect(header.split('\n').filter((l) => l !== '' && !l.startsWith('--'))).toEqual([
      'SET statement_timeout = 0;',
      'SET lock_timeout = 0;',
      'SET idle_in_transaction_session_timeout = 0;',
      "SET client_encoding = 'UTF8';",
      'SET standard_conforming_strings = on;',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      'SET check_function_bodies = false;',
      'SET xmloption = content;',
      'SET client_min_messages = warning;',
      'SET row_security = off;',
    ]);
  });

  it('heads each entry like pg_dump, data entries with "Data for Name"', () => {
    expect(renderEntryComment(entry('TABLE', 't'), 'alice')).toBe('--\n-- Name: t; Type: TABLE; Schema: s; Owner: alice\n--\n\n');
    expect(renderEntryComment(entry('TABLE DATA', 't'))).toBe('--\n-- Data for Name: t; Type: TABLE DATA; Schema: s; Owner: -\n--\n\n');
    expect(renderEntryComment(entry('SCHEMA', 'x', { schema: null }))).toContain('Schema: -;');
  });

  it('keeps a name with newlines inside its comment line (no injected SQL or meta-command)', () => {
    const comment = renderEntryComment(entry('TABLE', 'evil\n\\! rm -rf /\nDROP TABLE x;', { schema: 'a\r\nb' }));
    expect(comment.split('\n').filter((l) => l !== '').every((l) => l.startsWith('--'))).toBe(true);
    const header = renderHeader({ database: 'db\n\\! id', serverVersion: '17', pgbakVersion: '0', kind: 'full' });
    expect(header.split('\n').some((l) => l.startsWith('\\'))).toBe(false);
  });
});
