// The image runs on the Node major CI tests as the current LTS (.ci/run), never on one
// past its end of life (Node 20 ended in April 2026), and carries several client majors.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
const ci = readFileSync(`${root}.ci/run`, 'utf8');

describe('the Dockerfile\'s base image', () => {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]!);
  const ltsMajor = /lts_node_version="\$\{PGBAK_CI_LTS_NODE:-(\d+)\.\d+\.\d+\}"/.exec(ci)?.[1];

  it('is the official Node image of the LTS major CI tests on, in every stage', () => {
    expect(ltsMajor).toBeDefined();
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toMatch(new RegExp(`^node:${ltsMajor}-[a-z]+-slim$`));
  });

  it('is on a Node major that is still supported (not 20 or older)', () => {
    for (const image of froms) expect(Number(/^node:(\d+)/.exec(image)![1])).toBeGreaterThanOrEqual(22);
  });

  it('installs the PostgreSQL client tools of several majors, as the tag suffix names them', () => {
    const majors = [...dockerfile.matchAll(/postgresql-client-(\d+)/g)].map((match) => Number(match[1]));
    expect(majors.length).toBeGreaterThanOrEqual(3);
    const tag = /pgbak:<version>-pg(\d+)-(\d+)/.exec(dockerfile);
    expect(tag).not.toBeNull();
    expect([Math.min(...majors), Math.max(...majors)]).toEqual([Number(tag![1]), Number(tag![2])]);
  });
});
