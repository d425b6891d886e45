// The kind fixtures (fixtures/*.sql), one per kind of object, shared by the tests that load
// them into every major: some need a newer server (`-- requires: 15` on the first line).
import { readFileSync, readdirSync } from 'node:fs';

export interface KindFixture {
  name: string;
  sql: string;
  /** The oldest major the fixture loads on (0: every one). */
  minMajor: number;
}

const fixtureDir = new URL('./fixtures/', import.meta.url);

/** Every fixture file, by name. */
export const kindFixtures: readonly KindFixture[] = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.sql'))
  .sort()
  .map((name) => {
    const sql = readFileSync(new URL(name, fixtureDir), 'utf8');
    const min = /^-- requires: (\d+)/m.exec(sql);
    return { name, sql, minMajor: min ? Number(min[1]) : 0 };
  });
