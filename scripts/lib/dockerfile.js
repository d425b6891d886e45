// Reading a Dockerfile and its .dockerignore, for scripts/check-dockerfile.js: the
// instructions of each stage, COPY's and RUN's arguments, and which context paths
// `docker build` would leave out.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Splits a Dockerfile into stages of instructions ({ op, args, line }); comments and `\` continuations handled. */
export function parseDockerfile(text) {
  const stages = [];
  let pending = '';
  let startLine = 0;
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    // Comment lines are dropped, even inside a continued instruction (as Docker does).
    if (trimmed.startsWith('#') || (trimmed === '' && pending === '')) continue;
    if (pending === '') startLine = index + 1;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1).trimEnd()} `;
      continue;
    }
    const instruction = `${pending}${trimmed}`.trim();
    pending = '';
    if (instruction === '') continue;
    const [, word, rest = ''] = /^(\S+)\s*([\s\S]*)$/.exec(instruction);
    const op = word.toUpperCase();
    if (op === 'FROM') {
      const [image, as, name] = rest.split(/\s+/).filter((part) => !part.startsWith('--'));
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    if (stages.length === 0) {
      if (op === 'ARG') continue;
      throw new Error(`Dockerfile line ${startLine}: ${op} before the first FROM`);
    }
    stages.at(-1).instructions.push({ op, args: rest.trim(), line: startLine });
  }
  if (pending !== '') throw new Error('Dockerfile ends inside a continued line');
  return stages;
}

/** Parses COPY's arguments: { from, sources, dest }; flags other than --from are ignored. */
export function parseCopy(args) {
  const words = args.startsWith('[') ? JSON.parse(args) : args.split(/\s+/);
  let from;
  const rest = [];
  for (const word of words) {
    if (word.startsWith('--from=')) from = word.slice('--from='.length);
    else if (!word.startsWith('--') || rest.length > 0) rest.push(word);
  }
  if (rest.length < 2) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1) };
}

/** The .dockerignore rules of a context: a function telling whether a context-relative path is excluded. */
export function readDockerignore(contextDir) {
  const file = path.join(contextDir, '.dockerignore');
  const rules = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const negate = line.startsWith('!');
          const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
          return { negate, regex: globToRegex(pattern) };
        })
    : [];
  return (relative) => {
    // A path is excluded when a rule matches it or one of its parent folders; the last matching rule wins.
    const parts = relative.split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let depth = 1; depth <= parts.length; depth++) {
        if (rule.regex.test(parts.slice(0, depth).join('/'))) {
          excluded = !rule.negate;
          break;
        }
      }
    }
    return excluded;
  };
}

function globToRegex(pattern) {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Splits a shell-form RUN at top-level `&&` into commands of words (no other shell syntax is understood). */
export function splitRun(args) {
  if (args.startsWith('[')) return [JSON.parse(args)];
  if (/[;|<>`$()]|\|\|/.test(args.replace(/&&/g, ''))) {
    throw new Error(`RUN uses shell syntax the replay does not understand (only "a && b" is): ${args}`);
  }
  return args.split('&&').map((command) => command.trim().split(/\s+/).filter(Boolean));
}
