import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { PgbakError } from '../errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads a dotenv file and returns the environment pgbak works with: the
 * file's variables under the process environment (a variable already set in the
 * real environment wins, as with dotenv itself). `process.env` is not changed.
 * An explicitly named file must exist; the default `.env` is optional.
 */
export async function loadEnv(options: { envFile?: string; cwd: string; env: Env }): Promise<Env> {
  const explicit = options.envFile !== undefined;
  const file = resolve(options.cwd, options.envFile ?? '.env');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!explicit && code === 'ENOENT') return options.env;
    throw new PgbakError('CONFIG_INVALID', `cannot read env file ${file}: ${code ?? String(error)}`, {
      hint: 'check the --env-file path',
      cause: error,
    });
  }
  const fromFile = dotenv.parse(text);
  return Object.freeze({ ...fromFile, ...definedOnly(options.env) });
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
