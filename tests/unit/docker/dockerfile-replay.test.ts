import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// scripts/check-dockerfile.js is plain JavaScript run by .ci/run (npm run check:docker),
// which replays the repository's own Dockerfile; these tests pin what the replay proves
// on small contexts, fast.
const replayModule = '../../../scripts/check-dockerfile.js';

interface ReplayModule {
  replayDockerfile(options: { contextDir: string; log?: (line: string) => void }): Promise<{ stages: number; skipped: string[] }>;
  parseDockerfile(text: string): { image: string; name?: string; instructions: { op: string; args: string; line: number }[] }[];
  readDockerignore(contextDir: string): (relative: string) => boolean;
}
const load = async () => (await import(replayModule)) as ReplayModule;

// A context shaped like pgbak's: the build script lives in scripts/ and writes dist/.
const context: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'app', scripts: { build: 'node scripts/build.js' } }),
  'package-lock.json': '{"lockfileVersion":3}',
  'lib/main.js': "console.log('hello from the image');\n",
  'scripts/build.js': [
    "import { cpSync, mkdirSync } from 'node:fs';",
    "mkdirSync('dist', { recursive: true });",
    "cpSync('lib/main.js', 'dist/main.js');",
  ].join('\n'),
  'bin/app.js': "#!/usr/bin/env node\nimport '../dist/main.js';\n",
  '.dockerignore': 'node_modules\ndist\n.env\n',
  '.env': 'PGPASSWORD=secret\n',
  'dist/stale.js': '// a stale local build that must not reach the image\n',
  'node_modules/.keep': '',
};

const dockerfile = (buildCopies: string, extra = '') => `# two stages, as pgbak's
FROM node:26-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
${buildCopies}
RUN npm ci --ignore-scripts \\
 && npm run build

FROM node:26-trixie-slim
RUN apt-get update && apt-get install -y postgresql-client-15 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY --from=build /src/dist ./dist
COPY bin ./bin
${extra}
RUN ln -s /opt/app/bin/app.js /usr/local/bin/app
USER node
WORKDIR /backups
ENTRYPOINT ["app"]
`;

describe('the Dockerfile replay (scripts/check-dockerfile.js)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgbak-dockerfile-test-'));
    for (const [file, text] of Object.entries(context)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    await chmod(join(dir, 'bin/app.js'), 0o755);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const replay = async (text: string) => {
    await writeFile(join(dir, 'Dockerfile'), text);
    const lines: string[] = [];
    const result = await (await load()).replayDockerfile({ contextDir: dir, log: (line) => lines.push(line) });
    return { ...result, lines };
  };

  it('fails like docker build when the build stage does not copy the scripts its build runs (MODULE_NOT_FOUND)', async () => {
    await expect(replay(dockerfile('COPY lib ./lib'))).rejects.toThrow(/line 6: RUN npm ci[\s\S]*"npm run build" failed[\s\S]*MODULE_NOT_FOUND/);
  });

  it('replays a recipe that copies what its build needs, and runs the entry point', async () => {
    const result = await replay(dockerfile('COPY lib ./lib\nCOPY scripts ./scripts'));
    expect(result.stages).toBe(2);
    expect(result.skipped).toEqual(['apt-get update', 'apt-get install -y postgresql-client-15', 'rm -rf /var/lib/apt/lists/*']);
    expect(result.lines).toContain('entry point: app (from /backups)');
  });

  it('fails when the entry point needs a file the last stage never copied', async () => {
    const broken = dockerfile('COPY lib ./lib\nCOPY scripts ./scripts').replace('COPY --from=build /src/dist ./dist\n', '');
    await expect(replay(broken)).rejects.toThrow(/entry point "app" failed[\s\S]*dist\/main\.js/);
  });

  it('copies from the context what .dockerignore lets through, never a local dist/ or .env', async () => {
    await expect(replay(dockerfile('COPY lib ./lib\nCOPY scripts ./scripts\nCOPY .env ./'))).rejects.toThrow(
      /line 7: COPY \.env[\s\S]*not in the build context \(or \.dockerignore excludes it\)/,
    );
    const isIgnored = (await load()).readDockerignore(dir);
    expect(['dist', 'dist/stale.js', 'node_modules/.keep', '.env'].filter(isIgnored)).toHaveLength(4);
    expect(['lib/main.js', 'scripts/build.js', 'Dockerfile'].filter(isIgnored)).toEqual([]);
  });

  it('refuses a RUN command it does not know how to replay, naming the line', async () => {
    const text = dockerfile('COPY lib ./lib\nCOPY scripts ./scripts', 'RUN chmod 700 /opt/app');
    await expect(replay(text)).rejects.toThrow(/line 17: RUN chmod[\s\S]*does not know the command "chmod 700 \/opt\/app"/);
  });

  it('skips the PGDG repository setup (postgresql-common\'s apt.postgresql.org.sh) as a system-package step, and only that script', async () => {
    const pgdg = dockerfile('COPY lib ./lib\nCOPY scripts ./scripts').replace(
      'RUN apt-get update && apt-get install -y postgresql-client-15',
      'RUN apt-get update && apt-get install -y postgresql-common && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y && apt-get install -y postgresql-client-14 postgresql-client-18',
    );
    const result = await replay(pgdg);
    expect(result.skipped).toEqual([
      'apt-get update',
      'apt-get install -y postgresql-common',
      '/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y',
      'apt-get install -y postgresql-client-14 postgresql-client-18',
      'rm -rf /var/lib/apt/lists/*',
    ]);
    const elsewhere = pgdg.replace('/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh', '/tmp/apt.postgresql.org.sh');
    await expect(replay(elsewhere)).rejects.toThrow(/does not know the command "\/tmp\/apt\.postgresql\.org\.sh -y"/);
  });

  it('runs the package install scripts when npm ci runs without --ignore-scripts', async () => {
    const text = dockerfile('COPY lib ./lib').replace('RUN npm ci --ignore-scripts \\', 'RUN npm ci \\');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', scripts: { prepare: 'node scripts/build.js' } }));
    // prepare needs scripts/, which this build stage does not copy.
    await expect(replay(text)).rejects.toThrow(/"npm run prepare" failed[\s\S]*MODULE_NOT_FOUND/);
  });

  it('parses continued lines and comments into one instruction with its first line number', async () => {
    const stages = (await load()).parseDockerfile('FROM a AS b\nRUN one \\\n# a comment\n  && two\nCOPY x y\n');
    expect(stages).toEqual([
      {
        image: 'a',
        name: 'b',
        instructions: [
          { op: 'RUN', args: 'one && two', line: 2 },
          { op: 'COPY', args: 'x y', line: 5 },
        ],
      },
    ]);
  });
});
