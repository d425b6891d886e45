import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { PgbakError } from '../errors.js';
import { deepFreeze } from './deep-freeze.js';
import type { Env } from './env-file.js';
import { expandEnv, type ExpandProblem } from './expand-env.js';
import type { ProfileDirs } from './profile-dirs.js';
import { connectionSchema, profileObjectSchema, profileSchema, retentionRules, serverConnectionSchema, retentionSchema, signingSchema, stepSchema, type Profile } from './profile-schema.js';
import { notifyKeys } from './notify.js';
import { localStorageSchema, s3StorageSchema } from './storage.js';
import { didYouMean } from './suggest.js';

/** A validated profile and where it came from. */
export interface LoadedProfile {
  name: string;
  file: string;
  origin: 'built-in' | 'user';
  /** sha256 of the file as written (before `${VAR}` expansion), recorded in the manifest. */
  sha256: string;
  profile: Profile;
  /** Deprecated spellings the file uses (`retention.keep-last`), one line each with the file: for the log. */
  deprecations?: readonly string[];
}

const profileName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const extensions = ['.yaml', '.yml'];

/**
 * Finds a profile by name (user folder first, then built-ins) or by path
 * (anything with a slash or a .yaml/.yml ending), then parses and validates it.
 */
export async function loadProfile(nameOrPath: string, dirs: ProfileDirs, env: Env, cwd: string): Promise<LoadedProfile> {
  const located = await locateProfile(nameOrPath, dirs, cwd);
  const text = await readFile(located.file, 'utf8');
  const deprecations: string[] = [];
  const profile = parseProfile(text, located.file, env, deprecations);
  return { ...located, sha256: sha256(text), profile, ...(deprecations.length > 0 ? { deprecations } : {}) };
}

async function locateProfile(nameOrPath: string, dirs: ProfileDirs, cwd: string) {
  if (nameOrPath.includes('/') || extensions.includes(extname(nameOrPath))) {
    const file = resolve(cwd, nameOrPath);
    if (!(await exists(file))) throw notFound(`profile file ${file} does not exist`);
    return { name: basename(file, extname(file)), file, origin: 'user' as const };
  }
  if (!profileName.test(nameOrPath)) {
    throw new PgbakError('USAGE', `"${nameOrPath}" is not a profile name`, { hint: 'profile names use letters, digits, ".", "_" and "-"' });
  }
  for (const [dir, origin] of searchOrder(dirs)) {
    for (const ext of extensions) {
      const file = join(dir, nameOrPath + ext);
      if (await exists(file)) return { name: nameOrPath, file, origin };
    }
  }
  const known = new Set<string>();
  for (const [dir] of searchOrder(dirs)) for (const file of await yamlFiles(dir)) known.add(basename(file, extname(file)));
  throw notFound(`no profile named "${nameOrPath}" in ${dirs.user ?? 'the profiles folder'} or the built-in profiles${didYouMean(nameOrPath, known)}`);
}

function searchOrder(dirs: ProfileDirs): Array<[string, 'user' | 'built-in']> {
  return dirs.user === null ? [[dirs.builtIn, 'built-in']] : [[dirs.user, 'user'], [dirs.builtIn, 'built-in']];
}

/**
 * Parses and validates profile text, reporting every problem with file and path at
 * once. Deprecated spellings still accepted are listed in `deprecations`, if given.
 */
export function parseProfile(text: string, file: string, env: Env, deprecations: string[] = []): Profile {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${file}:${e.linePos?.[0].line ?? '?'}:${e.linePos?.[0].col ?? '?'}: ${firstLine(e.message)}`);
    throw invalidProfile(file, lines);
  }
  const problems: ExpandProblem[] = [];
  const expanded = expandEnv(toPlainValue(doc, file), env, problems);
  const lines = problems.map((p) => `${file}: ${formatPath(p.path)}: ${p.message}`);
  for (const line of renameDeprecatedKeys(expanded)) deprecations.push(`${file}: ${line}`);
  const result = profileSchema.safeParse(expanded ?? {});
  if (!result.success) {
    for (const issue of result.error.issues) lines.push(`${file}: ${formatPath(issue.path)}: ${issue.message}${suggestKeys(issue)}`);
  }
  if (lines.length > 0 || !result.success) throw invalidProfile(file, lines);
  return deepFreeze(result.data);
}

// A profile needs few aliases; many that nest ("billion laughs") would expand to
// gigabytes. yaml throws a ReferenceError past maxAliasCount: report it as the
// profile's problem.
const maxAliasCount = 100;

function toPlainValue(doc: ReturnType<typeof parseDocument>, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount });
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw invalidProfile(file, [`${file}: ${error.message}: a profile may expand at most ${maxAliasCount} aliases (*name)`]);
    }
    throw error;
  }
}

// Retention keys were kebab-case (`keep-last`) before every key became camelCase:
// the old spelling is still read, and the caller warns about it.
function renameDeprecatedKeys(profile: unknown): string[] {
  if (!isPlainObject(profile) || !isPlainObject(profile.retention)) return [];
  const retention = profile.retention;
  const lines: string[] = [];
  for (const [key, old] of Object.entries(retentionRules)) {
    if (!(old in retention) || key in retention) continue;
    retention[key] = retention[old];
    delete retention[old];
    lines.push(`retention.${old} is deprecated: write ${key}`);
  }
  return lines;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const knownKeys = {
  profile: Object.keys(profileObjectSchema.shape),
  connections: Object.keys(serverConnectionSchema.shape),
  connection: Object.keys(connectionSchema.shape),
  step: Object.keys(stepSchema.shape),
  retention: Object.keys(retentionSchema.shape),
  signing: Object.keys(signingSchema.shape),
  storage: ['local', 's3'],
  local: Object.keys(localStorageSchema.shape),
  s3: Object.keys(s3StorageSchema.shape),
  notify: notifyKeys,
};

// "Unrecognized key" issues, with the closest key of the same object.
function suggestKeys(issue: { code: string; path: ReadonlyArray<PropertyKey>; keys?: readonly string[] }): string {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return '';
  const [first, second] = issue.path;
  const known =
    issue.path.length === 0 ? knownKeys.profile
    : first === 'connection' && issue.path.length === 1 ? knownKeys.connection
    : first === 'connections' && typeof second === 'number' && issue.path.length === 2 ? knownKeys.connections
    : first === 'retention' && issue.path.length === 1 ? knownKeys.retention
    : first === 'signing' && issue.path.length === 1 ? knownKeys.signing
    : first === 'steps' && typeof second === 'number' && issue.path.length === 2 ? knownKeys.step
    : first === 'storage' && typeof second === 'number' && issue.path.length === 2 ? knownKeys.storage
    : first === 'storage' && issue.path.length === 3 && (issue.path[2] === 'local' || issue.path[2] === 's3') ? knownKeys[issue.path[2]]
    : first === 'notify' && issue.path.length === 2 ? knownKeys.notify.entry
    : first === 'notify' && issue.path.length === 3 && (issue.path[2] === 'webhook' || issue.path[2] === 'ping' || issue.path[2] === 'email') ? knownKeys.notify[issue.path[2]]
    : null;
  if (known === null) return '';
  if (issue.keys.length === 1) return didYouMean(issue.keys[0]!, known);
  return issue.keys.map((key) => didYouMean(key, known).replace(/^ \(/, ` ("${key}": `)).join('');
}

/** Every profile visible from the given folders, user ones shadowing built-ins of the same name. */
export async function listProfiles(dirs: ProfileDirs, env: Env) {
  const found = new Map<string, { name: string; file: string; origin: 'built-in' | 'user'; description?: string; error?: string }>();
  for (const [dir, origin] of searchOrder(dirs).reverse()) {
    for (const file of await yamlFiles(dir)) {
      const name = basename(file, extname(file));
      try {
        const profile = parseProfile(await readFile(file, 'utf8'), file, env);
        found.set(name, { name, file, origin, ...(profile.description ? { description: profile.description } : {}) });
      } catch (error) {
        found.set(name, { name, file, origin, error: (error as Error).message });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function invalidProfile(file: string, lines: string[]): PgbakError {
  const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
  return new PgbakError('PROFILE_INVALID', `profile ${file} is invalid (${count}):\n  ${lines.join('\n  ')}`, {
    hint: 'see the profile reference in docs/profiles.md',
  });
}

function notFound(message: string): PgbakError {
  return new PgbakError('PROFILE_NOT_FOUND', message, { hint: 'list the available profiles with `pgbak profiles`' });
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => extensions.includes(extname(n))).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
