// The servers one run backs up: the profile's `connection:` (one), or its `connections:`
// list (several), each with its own local folder and storage locations. Archives of the
// same database on two servers have the same name, and retention and status group a
// place's backups by profile and database: two servers must never share a place. So with
// several servers every storage location names `{host}` (the server's `name`, else its
// host), and a profile whose locations do not is refused before anything connects.
import { join } from 'node:path';
import { PgbakError } from '../errors.js';
import type { Connection } from './connection-types.js';
import type { Env } from './env-file.js';
import type { Profile } from './profile-schema.js';
import { resolveConnection, type ConnectionFlags } from './resolve-connection.js';
import { describeStorage, expandPrefix, prefixPlaceholders, type Storage } from './storage.js';

/** One server of a run, with where its archives, run logs and locks go. */
export interface RunServer {
  /** `connections[i].name`, else the host: in logs, in `{host}` of the storage locations, in the run locks. */
  readonly name: string;
  readonly connection: Connection;
  /** The server's local folder: its first local storage, else the run's output folder (its own subfolder with several servers). */
  readonly outputDir: string;
  /** Where its archives go; `{host}` replaced by {@link name} (with several servers, in S3 prefixes too). */
  readonly storage: readonly Storage[];
}

/**
 * The run's servers. `storage` is the run's storage as resolved (flags or profile), `{host}`
 * still as written; `stateDir` the output folder (`--output-dir` > PGBAK_OUTPUT_DIR > outputDir > ./backups).
 */
export async function resolveServers(input: {
  env: Env;
  profile: Profile;
  file: string;
  profileDir: string;
  flags?: ConnectionFlags | undefined;
  storage: readonly Storage[];
  stateDir: string;
}): Promise<RunServer[]> {
  const { env, profile, profileDir, flags } = input;
  if (profile.connections === undefined) {
    const connection = await resolveConnection({ env, profile: profile.connection, profileDir, flags });
    return [placeServer(connection.host, connection, input.storage, input.stateDir, false)];
  }
  const several = profile.connections.length > 1;
  if (several) {
    checkServersSeparated(input.file, profile.connections.length, input.storage);
    const moved = flags?.host !== undefined ? '--host' : flags?.port !== undefined ? '--port' : null;
    if (moved) {
      throw new PgbakError('USAGE', `${moved} would point the ${profile.connections.length} servers of ${input.file} at the same one`, {
        hint: 'change the hosts in its connections: list (${VAR} reads the environment), or run a profile with one connection',
      });
    }
  }
  const servers: RunServer[] = [];
  const byLabel = new Map<string, number>();
  for (const [index, entry] of profile.connections.entries()) {
    const { name, ...fields } = entry;
    const resolved = await resolveConnection({ env, profile: fields, profileDir, flags });
    const connection = name === undefined ? resolved : Object.freeze({ ...resolved, server: name });
    const label = name ?? connection.host;
    // Hosts from the environment (${PGHOST}) are known only now; "/" becomes "_" in {host}.
    const key = segment(label);
    const first = byLabel.get(key);
    if (first !== undefined) {
      throw new PgbakError('CONFIG_INVALID', `${input.file}: connections[${index}] and connections[${first}] are both "${key}" in {host}: their archives would share a place`, {
        hint: 'give each server a distinct name: connections: [{ name: east, host: … }, { name: west, host: … }]',
      });
    }
    byLabel.set(key, index);
    servers.push(placeServer(label, connection, input.storage, input.stateDir, several, name !== undefined));
  }
  return servers;
}

// Every location of a several-server run must tell the servers apart.
function checkServersSeparated(file: string, count: number, storage: readonly Storage[]): void {
  for (const where of storage) {
    const separated = where.kind === 'local' ? where.dir.includes('{host}') : prefixPlaceholders(where.prefix).includes('host');
    if (separated) continue;
    throw new PgbakError('USAGE', `${file}: the ${count} servers of connections: would write archives of the same names to ${describeStorage(where)}`, {
      hint: where.kind === 'local'
        ? 'put {host} into the folder (storage: [{ local: { dir: "./backups/{host}" } }], or --output-dir "./backups/{host}"): one folder per server'
        : `put {host} into the prefix (prefix: "${where.prefix.replace(/\/?$/, '/')}{host}/{database}/"): one prefix per server`,
    });
  }
}

function placeServer(label: string, connection: Connection, storage: readonly Storage[], stateDir: string, several: boolean, named = false): RunServer {
  const host = segment(label);
  const placed = storage.map((where): Storage => {
    if (where.kind === 'local') return { ...where, dir: where.dir.replaceAll('{host}', host) };
    // One unnamed server: compile replaces {host} with the connection's host, as it always did.
    return several || named ? { ...where, prefix: expandPrefix(where.prefix, { host: label }) } : { ...where };
  });
  const local = placed.find((where) => where.kind === 'local');
  // Run logs and locks of an S3-only run: one subfolder per server, so that neither
  // their names nor `pgbak status` over the folder mix two servers.
  const outputDir = local?.dir ?? (stateDir.includes('{host}') ? stateDir.replaceAll('{host}', host) : several ? join(stateDir, host) : stateDir);
  return { name: label, connection, outputDir, storage: placed };
}

// What a label becomes in a folder name or a key: one level, as expandPrefix makes it.
function segment(label: string): string {
  return label.replace(/[/\\]/g, '_');
}
