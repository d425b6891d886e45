// libpq has no environment variable for sslpassword, and a conninfo on argv
// would show it to every user of the machine: a client tool gets it from a
// connection service file (PGSERVICEFILE + PGSERVICE), 0600 in a private 0700
// folder, written once per value and removed when the last operation that may
// start a tool (withSslPasswordFiles) ends, or at the latest when the process exits.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgbakError } from '../errors.js';
import type { Secret } from './secret.js';

const SERVICE = 'pgbak';
const written = new Map<string, string>();
let holds = 0;

/**
 * Runs a library operation that may start client tools (a run, a restore, a verify):
 * the pass phrase's service files it made are removed when the last such operation
 * of the process ends, so a long-lived process (or a test worker) keeps none.
 */
export async function withSslPasswordFiles<T>(operation: () => Promise<T>): Promise<T> {
  holds += 1;
  try {
    return await operation();
  } finally {
    holds -= 1;
    if (holds === 0) removeAll();
  }
}

/** The environment that hands `sslpassword` to a libpq client tool. */
export function sslPasswordEnv(sslpassword: Secret): Record<string, string> {
  const value = sslpassword.reveal();
  // A service file line is `key=value` up to the end of the line, trailing blanks trimmed.
  if (/[\r\n]|\s$/.test(value)) {
    throw new PgbakError('CONFIG_INVALID', 'sslpassword ends with a blank or holds a line break: libpq\'s client tools cannot be given it', {
      hint: 'choose a pass phrase for the key without them',
    });
  }
  let file = written.get(value);
  if (!file) {
    const dir = mkdtempSync(join(tmpdir(), 'pgbak-ssl-'));
    file = join(dir, 'pg_service.conf');
    writeFileSync(file, `[${SERVICE}]\nsslpassword=${value}\n`, { mode: 0o600, flag: 'wx' });
    written.set(value, file);
    if (written.size === 1) process.once('exit', removeAll);
  }
  return { PGSERVICEFILE: file, PGSERVICE: SERVICE };
}

function removeAll(): void {
  for (const file of written.values()) rmSync(join(file, '..'), { recursive: true, force: true });
  written.clear();
}
