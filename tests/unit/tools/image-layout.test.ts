// The container image (Dockerfile) installs postgresql-client-14 … -18 from the PGDG apt
// repository: each major's tools in /usr/lib/postgresql/<major>/bin, and /usr/bin/pg_dump
// a link to Debian's pg_wrapper. The same layout in a temp folder (fake tools printing each
// major's --version): discovery finds every major, drops the wrapper, and the choice for a
// server of each major is that major's pg_dump — what `engine: auto` runs in the image.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { discoverTools, POSIX_INSTALL_DIRS, selectTool } from '../../../lib/tools/index.js';
import { createFakeToolDirs, type FakeToolDirs } from './fake-tools.js';

const IMAGE_MAJORS = [14, 15, 16, 17, 18];

describe('client tools laid out as in the container image', () => {
  let fake: FakeToolDirs;
  beforeEach(async () => {
    fake = await createFakeToolDirs();
    for (const major of IMAGE_MAJORS) {
      for (const tool of ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql']) {
        await fake.addTool(`usr/lib/postgresql/${major}/bin`, tool, `${tool} (PostgreSQL) ${major}.2 (Debian ${major}.2-1.pgdg120+1)`);
      }
    }
    // postgresql-client-common's dispatcher, which would run the newest major for any server.
    await fake.addTool('usr/share/postgresql-common', 'pg_wrapper', 'pg_dump (PostgreSQL) 18.2 (Debian 18.2-1.pgdg120+1)');
    await fake.addLink('usr/bin', 'pg_dump', '../share/postgresql-common/pg_wrapper');
  });
  afterEach(() => fake.remove());

  it('the Dockerfile installs exactly these majors, and the Debian/PGDG folder is one pgbak searches', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    const majors = [...dockerfile.matchAll(/postgresql-client-(\d+)/g)].map((m) => Number(m[1]));
    expect([...new Set(majors)].sort((a, b) => a - b)).toEqual(IMAGE_MAJORS);
    expect(POSIX_INSTALL_DIRS).toContain('/usr/lib/postgresql/*/bin');
  });

  it('finds every major once, not the pg_wrapper link, and picks the server\'s own major for each server', async () => {
    const { inventory } = await discoverTools({
      env: { PATH: path.join(fake.root, 'usr/bin') },
      installDirs: [path.join(fake.root, 'usr/lib/postgresql/*/bin')],
    });

    expect(inventory.pg_dump.map((tool) => tool.version.major).sort((a, b) => a - b)).toEqual(IMAGE_MAJORS);
    expect(inventory.pg_dump.map((tool) => tool.path)).not.toContain(path.join(fake.root, 'usr/bin/pg_dump'));
    for (const major of IMAGE_MAJORS) {
      for (const name of ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql'] as const) {
        const chosen = selectTool(inventory, name, { major, minor: 0, text: `${major}.0` });
        expect(chosen.path).toBe(path.join(fake.root, `usr/lib/postgresql/${major}/bin/${name}`));
      }
    }
    // An older server gets the oldest pg_dump that can dump it; a newer one than the image has, none.
    expect(selectTool(inventory, 'pg_dump', { major: 13, minor: 0, text: '13.0' }).version.major).toBe(14);
    expect(() => selectTool(inventory, 'pg_dump', { major: 19, minor: 0, text: '19.0' })).toThrow(/no pg_dump is new enough for the server PostgreSQL 19/);
  });
});
