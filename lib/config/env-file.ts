import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { PgbakError } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads a dotenv file and returns the environment pgbak works with: the
 * file's variables under the process environment (a variable already set in the
 * real environment wins, as with dotenv itself). `process.env` is not changed.
 * An explicitly named file must exist; the default `.env` is optional.
 * A file that holds a password (PGPASSWORD, or a password in DATABASE_URL) and
 * that group or others may access gets the warning libpq gives a `.pgpass` so exposed.
 */
export async function loadEnv(options: { envFile?: string | undefined; cwd: string; env: Env; warn?: ((message: string) => void) | undefined }): Promise<Env> {
  const explicit = options.envFile !== undefined;
  const file = resolve(options.cwd, options.envFile ?? '.env');
  let text: string;
  let mode: number;
  try {
    const handle = await open(file, 'r');
    try {
      mode = (await handle.stat()).mode;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return options.env;
    throw new PgbakError('CONFIG_INVALID', `cannot read env file ${file}: ${code ?? String(error)}`, {
      hint: 'check the --env-file path',
      cause: error,
    });
  }
  const fromFile = dotenv.parse(text);
  warnIfExposed(file, mode, fromFile, options.warn);
  return Object.freeze({ ...fromFile, ...definedOnly(options.env) });
}

/** libpq's `.pgpass` warning, for a dotenv file that holds a password and that group or others may access. */
export function warnIfExposed(file: string, mode: number, vars: Record<string, string>, warn: ((message: string) => void) | undefined): void {
  if ((mode & 0o077) === 0 || !holdsPassword(vars) || process.platform === 'win32') return;
  warn?.(`env file ${file} holds a password and has group or world access; permissions should be u=rw (0600) or less (chmod 600 ${file})`);
}

function holdsPassword(vars: Record<string, string>): boolean {
  if (vars.PGPASSWORD) return true;
  const url = vars.DATABASE_URL;
  if (!url) return false;
  try {
    return new URL(url).password !== '' || new URL(url).searchParams.has('password');
  } catch {
    // Not a URL parseDatabaseUrl accepts; a password may still be in it: say so.
    return /:[^@/]*@/.test(url);
  }
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * The variables of a dotenv file named by a flag (compare's `--source-env`), on
 * their own: the caller decides how they combine with the environment.
 */
export async function readEnvFileVars(cwd: string, file: string, flag: string, warn: ((message: string) => void) | undefined): Promise<Record<string, string>> {
  const path = resolve(cwd, file);
  try {
    const handle = await open(path, 'r');
    try {
      const mode = (await handle.stat()).mode;
      const vars = dotenv.parse(await handle.readFile('utf8'));
      warnIfExposed(path, mode, vars, warn);
      return vars;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new PgbakError('CONFIG_INVALID', `${flag} ${file}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: `check the ${flag} path`,
      cause: error,
    });
  }
}
