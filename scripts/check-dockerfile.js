// Replays the Dockerfile without Docker, so the image recipe cannot rot unnoticed:
//   node scripts/check-dockerfile.js [context-dir]     (npm run check:docker; .ci/run runs it)
//
// Each stage gets a temp folder standing for its root file system. WORKDIR, ENV, COPY
// (from the build context, filtered by .dockerignore, or --from an earlier stage) are
// applied to it; RUN lines are split at `&&` and each command is replayed:
//   npm ci / npm install   -> a link to the context's node_modules (no network, no install)
//   npm … / node …         -> run as written, in the stage's WORKDIR
//   ln -s A B              -> the same link inside the stage's root
//   apt-get …, rm -rf /var/lib/apt/lists/* -> skipped (system packages)
//   /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -> skipped (the PGDG apt
//                            repository's setup, from the postgresql-common package)
// Any other command fails the check until this script is taught what it means. At the
// end, the last stage's ENTRYPOINT + CMD runs from its WORKDIR and must exit 0.
//
// What this proves: every file a RUN step needs was COPY'd into the stage (a build
// stage that forgets scripts/ fails with MODULE_NOT_FOUND, as `docker build` did), the
// build's output lands where the next stage copies it from, and the entry point starts.
// What it does not prove: the base image and its Node version, that apt can install
// the packages named (that the PGDG repository still carries every postgresql-client-NN
// listed: it drops a major some time after its end of life), that `npm ci` succeeds against the lockfile (or that
// `--omit=dev` leaves everything the library entry needs: the CLI is one bundled
// file), ownership and the USER's permissions.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCopy, parseDockerfile, readDockerignore, splitRun } from './lib/dockerfile.js';

export { parseDockerfile, readDockerignore } from './lib/dockerfile.js';

/**
 * Replays every stage of `<contextDir>/<dockerfile>` in a temp folder and runs the last
 * stage's entry point. Resolves to a report of what was done; throws on the first failure.
 */
export async function replayDockerfile({ contextDir, dockerfile = 'Dockerfile', log = (line) => console.error(line) }) {
  const stages = parseDockerfile(readFileSync(path.join(contextDir, dockerfile), 'utf8'));
  if (stages.length === 0) throw new Error(`${dockerfile} has no FROM`);
  const isIgnored = readDockerignore(contextDir);
  const work = mkdtempSync(path.join(tmpdir(), 'pgbak-dockerfile-'));
  const skipped = [];
  try {
    const roots = new Map();
    let last;
    for (const [index, stage] of stages.entries()) {
      const root = path.join(work, `stage-${index}`);
      mkdirSync(root);
      const state = { root, workdir: '/', env: {}, entrypoint: [], cmd: [] };
      roots.set(String(index), root);
      if (stage.name) roots.set(stage.name, root);
      log(`stage ${index}${stage.name ? ` (${stage.name})` : ''}: FROM ${stage.image}`);
      for (const instruction of stage.instructions) {
        const where = `${dockerfile} line ${instruction.line}: ${instruction.op} ${instruction.args}`;
        try {
          applyInstruction(instruction, state, { contextDir, isIgnored, roots, skipped, log });
        } catch (error) {
          throw new Error(`${where}\n${error.message}`, { cause: error });
        }
      }
      last = state;
    }
    const command = [...last.entrypoint, ...last.cmd];
    if (command.length === 0) throw new Error('the last stage has neither ENTRYPOINT nor CMD');
    const program = resolveInRoot(last, command[0]);
    log(`entry point: ${command.join(' ')} (from ${last.workdir})`);
    const result = spawnSync(program, command.slice(1), { cwd: inRoot(last, last.workdir), encoding: 'utf8', env: { ...process.env, ...last.env } });
    if (result.status !== 0) {
      throw new Error(`the image's entry point "${command.join(' ')}" failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
    }
    return { stages: stages.length, skipped };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function applyInstruction({ op, args }, state, context) {
  switch (op) {
    case 'WORKDIR':
      state.workdir = path.posix.resolve(state.workdir, args);
      mkdirSync(inRoot(state, state.workdir), { recursive: true });
      return;
    case 'ENV': {
      const match = /^(\S+?)(?:=|\s+)(.*)$/.exec(args);
      if (!match || /\s\S+=/.test(match[2])) throw new Error('only ENV NAME=value with one variable is understood');
      state.env[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
      return;
    }
    case 'COPY':
      return copy(parseCopy(args), state, context);
    case 'RUN':
      for (const words of splitRun(args)) runCommand(words, state, context);
      return;
    case 'ENTRYPOINT':
      state.entrypoint = execForm(args, op);
      return;
    case 'CMD':
      state.cmd = execForm(args, op);
      return;
    case 'USER':
    case 'ARG':
    case 'LABEL':
    case 'EXPOSE':
    case 'VOLUME':
    case 'HEALTHCHECK':
    case 'STOPSIGNAL':
      return;
    default:
      throw new Error(`the replay does not know ${op}: teach scripts/check-dockerfile.js what it means`);
  }
}

function execForm(args, op) {
  if (!args.startsWith('[')) throw new Error(`use the exec form (JSON array) for ${op}`);
  return JSON.parse(args);
}

function copy({ from, sources, dest }, state, { contextDir, isIgnored, roots }) {
  const sourceRoot = from === undefined ? contextDir : roots.get(from);
  if (sourceRoot === undefined) throw new Error(`COPY --from=${from}: no earlier stage of that name`);
  const target = inRoot(state, path.posix.resolve(state.workdir, dest));
  const intoFolder = dest.endsWith('/') || dest === '.' || sources.length > 1;
  for (const source of sources) {
    if (/[*?[]/.test(source)) throw new Error(`wildcards in COPY sources are not replayed: ${source}`);
    const relative = path.posix.normalize(from === undefined ? source : path.posix.resolve('/', source)).replace(/^\/+/, '');
    const absolute = path.join(sourceRoot, relative);
    if (!existsSync(absolute) || (from === undefined && relative !== '.' && isIgnored(relative))) {
      throw new Error(`COPY: ${source} is not in the ${from === undefined ? 'build context (or .dockerignore excludes it)' : `stage ${from}`}`);
    }
    const isFolder = lstatSync(absolute).isDirectory();
    // A folder's contents go into the destination; a file goes into it when it names a folder.
    const destination = !isFolder && intoFolder ? path.join(target, path.basename(relative)) : target;
    mkdirSync(isFolder ? destination : path.dirname(destination), { recursive: true });
    cpSync(absolute, destination, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (file) => {
        if (from !== undefined) return true;
        const inContext = path.relative(contextDir, file).split(path.sep).join('/');
        return inContext === '' || !isIgnored(inContext);
      },
    });
  }
}

function runCommand(words, state, { contextDir, skipped, log }) {
  const [program, subcommand] = words;
  const line = words.join(' ');
  const cwd = inRoot(state, state.workdir);
  if (program === 'npm' && (subcommand === 'ci' || subcommand === 'install' || subcommand === 'i')) {
    const modules = path.join(contextDir, 'node_modules');
    if (!existsSync(modules)) throw new Error(`"${line}" is replayed by linking ${modules}, which does not exist: run npm ci first`);
    for (const file of subcommand === 'ci' ? ['package.json', 'package-lock.json'] : ['package.json']) {
      if (!existsSync(path.join(cwd, file))) throw new Error(`"${line}": no ${file} was copied into ${state.workdir}`);
    }
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    symlinkSync(modules, path.join(cwd, 'node_modules'));
    log(`  ${line}  (replayed: node_modules linked, nothing installed)`);
    // Without --ignore-scripts, npm ci runs the package's own install scripts (prepare
    // builds): they must work with what the stage holds at this point.
    if (!words.includes('--ignore-scripts')) {
      const { scripts = {} } = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
      for (const name of ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => scripts[name])) {
        runCommand(['npm', 'run', name], state, { contextDir, skipped, log });
      }
    }
    return;
  }
  if (program === 'npm' || program === 'node' || program === 'npx') {
    log(`  ${line}`);
    const result = spawnSync(program, words.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, ...state.env } });
    if (result.status !== 0) {
      throw new Error(`"${line}" failed in ${state.workdir} (${result.error?.message ?? `exit ${result.status}`}):\n${(result.stdout + result.stderr).trimEnd()}`);
    }
    return;
  }
  if (program === 'ln' && subcommand === '-s' && words.length === 4) {
    const [, , linkTarget, linkPath] = words;
    const absoluteTarget = path.posix.resolve(state.workdir, linkTarget);
    const source = inRoot(state, absoluteTarget);
    if (!existsSync(source)) throw new Error(`"${line}": ${absoluteTarget} does not exist in this stage`);
    const link = inRoot(state, path.posix.resolve(state.workdir, linkPath));
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(source, link);
    log(`  ${line}`);
    return;
  }
  if (program === 'apt-get' || program === PGDG_SETUP || (program === 'rm' && words.slice(2).every((word) => word.startsWith('/var/lib/apt/')))) {
    skipped.push(line);
    log(`  ${line}  (skipped: system packages)`);
    return;
  }
  throw new Error(`the replay does not know the command "${line}": teach scripts/check-dockerfile.js what it means`);
}

// The PGDG apt repository's setup script (package postgresql-common): it writes an apt
// source and runs apt-get update, nothing the replay's stages hold.
const PGDG_SETUP = '/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh';

function inRoot(state, absolute) {
  return path.join(state.root, absolute);
}

// Looks a command up on the image's usual PATH, inside the stage's root.
function resolveInRoot(state, command) {
  if (command.includes('/')) return inRoot(state, path.posix.resolve(state.workdir, command));
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const candidate = inRoot(state, `${dir}/${command}`);
    if (existsSync(candidate)) return candidate;
  }
  // Not made by the recipe: only a program of the base image (node) may be taken from this machine.
  if (command === 'node') return process.execPath;
  throw new Error(`the entry point "${command}" is not on the image's PATH (${readdirSync(state.root).join(', ')})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const contextDir = path.resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  try {
    const { stages, skipped } = await replayDockerfile({ contextDir });
    const note = skipped.length > 0 ? `; not replayed: ${skipped.length} system-package command(s)` : '';
    console.error(`Dockerfile: ${stages} stage(s) replayed, the entry point runs${note}`);
  } catch (error) {
    console.error(`Dockerfile check failed: ${error.message}`);
    process.exitCode = 1;
  }
}
