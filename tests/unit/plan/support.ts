import type { Encryption } from '../../../lib/config/encryption.js';
import type { Storage } from '../../../lib/config/storage.js';
import type { Connection } from '../../../lib/config/connection-types.js';
import type { LoadedProfile } from '../../../lib/config/load-profile.js';
import { parseProfile } from '../../../lib/config/load-profile.js';
import { Secret } from '../../../lib/config/secret.js';
import { compile, type CompileFacts } from '../../../lib/plan/compile.js';
import { applyRunOverrides, type StepOverrides } from '../../../lib/config/run-overrides.js';
import type { Plan } from '../../../lib/plan/types.js';
import type { PgVersion, ToolInfo, ToolInventory, ToolName } from '../../../lib/tools/types.js';

export const PASSWORD = 'never-show-me-7f3a';

export function version(text: string): PgVersion {
  const [major = 0, minor = 0] = text.split('.').map(Number);
  return { major, minor, text };
}

export function tool(name: ToolName, text: string, origin: ToolInfo['origin'] = 'PATH'): ToolInfo {
  return { name, path: `/usr/lib/postgresql/${version(text).major}/bin/${name}`, version: version(text), origin };
}

/** pg_dump and pg_dumpall of each given version (e.g. '15.8', '16.4'). */
export function inventory(...versions: string[]): ToolInventory {
  return {
    pg_dump: versions.map((v) => tool('pg_dump', v)),
    pg_dumpall: versions.map((v) => tool('pg_dumpall', v)),
    pg_restore: versions.map((v) => tool('pg_restore', v)),
    psql: versions.map((v) => tool('psql', v)),
  };
}

export const connection: Connection = Object.freeze({
  host: 'db.internal',
  port: 5432,
  user: 'backup',
  database: 'app',
  password: new Secret(PASSWORD),
  sslmode: undefined,
  sslrootcert: undefined,
  sslcert: undefined,
  sslkey: undefined,
  applicationName: 'pgbak',
  passfile: undefined,
  origin: Object.freeze({ host: 'flag', password: 'PG* environment' }),
});

export function profileOf(yaml: string, name = 'test'): LoadedProfile {
  const file = `/profiles/${name}.yaml`;
  return { name, file, origin: 'user', sha256: 'f'.repeat(64), profile: parseProfile(yaml, file, {}) };
}

/** A profile with one step, written as YAML lines under `steps: - `. */
export function stepProfile(stepYaml: string, name = 'test'): LoadedProfile {
  const body = stepYaml
    .trim()
    .split('\n')
    .map((line, i) => (i === 0 ? `  - ${line.trim()}` : `    ${line.trim()}`))
    .join('\n');
  return profileOf(`steps:\n${body}\n`, name);
}

export const NOW = new Date('2026-11-22T01:00:00.123Z');

export interface CompileOptions {
  server?: string;
  tools?: ToolInventory;
  databases?: string[];
  overrides?: StepOverrides;
  connection?: Connection;
  storage?: Storage[];
  encryption?: Encryption;
}

export function compileProfile(profile: LoadedProfile, options: CompileOptions = {}): Plan {
  const server = options.server ?? '15.8';
  const facts: CompileFacts = {
    server: version(server),
    databases: options.databases ?? ['app', 'crm'],
    tools: options.tools ?? inventory(server),
  };
  return compile({
    // As a run does: overrides applied and checked once, before compile.
    profile: applyRunOverrides(profile, options.overrides ?? {}),
    connection: options.connection ?? connection,
    facts,
    outputDir: '/backups',
    storage: options.storage,
    encryption: options.encryption,
    now: NOW,
  });
}

/** The connection arguments every step starts with, for the default connection. */
export const CONN = ['--host=db.internal', '--port=5432', '--username=backup', '--no-password'];
