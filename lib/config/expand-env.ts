import type { Env } from './env-file.js';

export interface ExpandProblem {
  path: Array<string | number>;
  message: string;
}

const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML
 * value with the environment's value; `$$` is a literal `$`. An unset variable
 * without default is a problem reported with its path (all of them, not the first).
 */
export function expandEnv(value: unknown, env: Env, problems: ExpandProblem[], path: Array<string | number> = []): unknown {
  if (typeof value === 'string') {
    return value.replace(pattern, (match, variable: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const found = env[variable!];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `environment variable ${variable} is not set (write \${${variable}:-default} for a default)` });
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => expandEnv(item, env, problems, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, expandEnv(item, env, problems, [...path, key])]),
    );
  }
  return value;
}
