import * as z from 'zod';
import { sslModes } from './connection-types.js';
import { checkExtraArgs } from './extra-args.js';
import { metricsSchema } from './metrics.js';
import { notifySchema } from './notify.js';
import { encryptionSchema } from './encryption.js';
import { storageSchema } from './storage.js';

/** The six kinds of step a profile can hold. */
export const stepKinds = ['full', 'schema-only', 'data-only', 'tables', 'large-objects', 'globals-only'] as const;
export type StepKind = (typeof stepKinds)[number];

export const dumpFormats = ['plain', 'custom', 'directory', 'tar'] as const;
export type DumpFormat = (typeof dumpFormats)[number];

export const rowCountModes = ['exact', 'estimate', 'off'] as const;

/** Which engine dumps: pg_dump/pg_dumpall, pgbak's own catalog reader, or pg_dump when a compatible one exists. */
export const engines = ['auto', 'pg_dump', 'native'] as const;
export type EngineChoice = (typeof engines)[number];
/** How the native engine lays a database dump out in the zip: one SQL file, or parts a restore runs in parallel. */
export const layouts = ['single', 'split'] as const;
export type Layout = (typeof layouts)[number];
/** How a run that dumps several databases lays them out: one archive per database, or one for all. */
export const archiveModes = ['per-database', 'single'] as const;
export type ArchiveMode = (typeof archiveModes)[number];
export type RowCountMode = (typeof rowCountModes)[number];

const name = z.string().min(1);
// Whole numbers may also come as digit strings: ${PORT} expands to text.
const wholeNumber = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));
const names = z.array(name).min(1);
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** Connection fields a profile may set. The password never: use `passwordFile` or the environment. */
export const connectionSchema = z
  .object({
    /** Server host name or Unix socket directory. */
    host: name.optional(),
    /** Server port. */
    port: wholeNumber(1, 65535).optional(),
    /** Role to connect as. */
    user: name.optional(),
    /** Database the steps dump unless they name their own. */
    database: name.optional(),
    /** libpq sslmode. */
    sslmode: z.enum(sslModes).optional(),
    sslrootcert: name.optional(),
    sslcert: name.optional(),
    sslkey: name.optional(),
    /** libpq sslcrl: revoked certificates (a revoked server certificate is refused). */
    sslcrl: name.optional(),
    /** libpq sslcrldir: a folder of hashed CRL files. */
    sslcrldir: name.optional(),
    /** A file holding the password (one trailing newline ignored), e.g. a mounted secret; relative to the profile's folder. */
    passwordFile: name.optional(),
  })
  .strict();

/**
 * Grandfather-father-son retention over the backups' UTC timestamps, per profile
 * and database: the newest backup of each of the last N days, weeks, months and
 * years is kept, plus the last N backups. The newest verified (or newest) backup
 * is always kept.
 */
export const retentionSchema = z
  .object({
    /** Keep the N newest backups. */
    keepLast: wholeNumber(0, 100_000).optional(),
    /** Keep the newest backup of each of the last N days that have backups (UTC). */
    keepDaily: wholeNumber(0, 100_000).optional(),
    /** The same per ISO week. */
    keepWeekly: wholeNumber(0, 100_000).optional(),
    /** The same per month. */
    keepMonthly: wholeNumber(0, 100_000).optional(),
    /** The same per year. */
    keepYearly: wholeNumber(0, 100_000).optional(),
  })
  .strict();
/** Retention keys and the rule (and `pgbak prune` flag) each spells; the kebab-case spelling was the profile key before 0.2. */
export const retentionRules = {
  keepLast: 'keep-last',
  keepDaily: 'keep-daily',
  keepWeekly: 'keep-weekly',
  keepMonthly: 'keep-monthly',
  keepYearly: 'keep-yearly',
} as const;
export type RetentionPolicy = z.infer<typeof retentionSchema>;

/** Sign every archive of the profile: a detached Ed25519 signature of its manifest (`manifest.json.sig`). */
export const signingSchema = z
  .object({
    /** The Ed25519 private key (PKCS#8 PEM, as `pgbak keygen` writes it, mode 0600); relative to the profile's folder. */
    keyFile: name,
  })
  .strict();

/** One pg_dump / pg_dumpall invocation (or one per database). */
export const stepSchema = z
  .object({
    /** Name of the step; prefixes its zip entries. Defaults to the kind. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit')
      .optional(),
    /** What the step dumps. */
    kind: z.enum(stepKinds),
    /** One database to dump (defaults to the connection's database). */
    database: name.optional(),
    /** Several databases, or `all` (every database that accepts connections, templates skipped). */
    databases: z.union([z.literal('all'), names]).optional(),
    /** Databases left out of `databases`. */
    excludeDatabases: names.optional(),
    /** pg_dump output format. Defaults: `custom` for full, tables and large-objects; `plain` otherwise. */
    format: z.enum(dumpFormats).optional(),
    /** `0`-`9` (gzip level), or `gzip[:level]`, `lz4[:level]`, `zstd[:level]` (pg_dump 16+), or `none`. */
    compression: z.union([z.number().int().min(0).max(9), z.string().min(1)]).optional(),
    /** Parallel jobs (directory format only). */
    jobs: wholeNumber(1, 64).optional(),
    /** Only these schemas (pg_dump `--schema` patterns). */
    schemas: names.optional(),
    /** Leave these schemas out (`--exclude-schema`). */
    excludeSchemas: names.optional(),
    /** Only these tables (`--table` patterns); kind `tables` needs them here or from `--table`. */
    tables: names.optional(),
    /** Leave these tables out (`--exclude-table`). */
    excludeTables: names.optional(),
    /** Dump these tables' definitions but not their rows (`--exclude-table-data`). */
    excludeTableData: names.optional(),
    /** Do not output ownership commands (`--no-owner`). */
    noOwner: flag.optional(),
    /** Do not output GRANT/REVOKE (`--no-privileges`). */
    noPrivileges: flag.optional(),
    /** Include large objects (`--blobs`) or leave them out (`false`: `--no-blobs`). */
    blobs: flag.optional(),
    /** Globals only: leave out role passwords (`--no-role-passwords`), for non-superusers. */
    noRolePasswords: flag.optional(),
    /**
     * Also dump the optimizer statistics of the tables, materialized views and indexes
     * (pg_dump 18 `--with-statistics`; the native engine writes the same calls), so a
     * restored database plans well before its first ANALYZE. PostgreSQL 18 servers only
     * (the restore functions are new in 18); kinds full and tables. Default false, as pg_dump 18.
     */
    statistics: flag.optional(),
    /** Fail instead of waiting longer than this for a table lock: `30s`, `2min`, `500ms` or milliseconds. */
    lockWaitTimeout: z.union([z.number().int().positive(), z.string().regex(/^\d+\s*(ms|s|min|h)?$/)]).optional(),
    /**
     * Extra raw pg_dump / pg_dumpall arguments, passed last (escape hatch; pg_dump engine only).
     * Arguments that change where or in which format the dump goes, or that pgbak sets from
     * the profile (connection, snapshot, format, compression, jobs, kind, table selection), are refused.
     */
    extraArgs: z.array(z.string()).optional(),
    /** Engine for this step; overrides the profile's. */
    engine: z.enum(engines).optional(),
    /** Native engine: leave out tables the role cannot read (recorded in the manifest) instead of refusing. */
    skipUnreadable: flag.optional(),
    /**
     * Native engine: `single` (default) writes one SQL file; `split` writes pre-data SQL, one
     * COPY entry per table, post-data SQL and a top-level psql script, which `pgbak restore
     * --jobs N` loads in parallel. Overrides the profile's.
     */
    layout: z.enum(layouts).optional(),
  })
  .strict();

/**
 * One server of a profile's `connections:` list: the fields of `connection:`, plus a `name`
 * that stands for it in logs, in `{host}` of the storage locations, and in its run locks.
 */
export const serverConnectionSchema = connectionSchema
  .extend({
    /** The server's label (default: its host): logs, `{host}` in storage locations, run locks. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-", starting with a letter or digit')
      .optional(),
  })
  .strict();

/** The profile's keys as written (before the defaults of {@link profileSchema} fill in `steps`). */
export const profileObjectSchema = z
  .object({
    /** One line shown by `pgbak profiles`. */
    description: z.string().optional(),
    /** Connection settings; flags and the environment may override them (see README). */
    connection: connectionSchema.optional(),
    /**
     * Several servers backed up by one run, each with the fields of `connection:` and an
     * optional `name` (instead of `connection:`). Every storage location must hold `{host}`
     * so that the servers' archives never share a place (see docs/profiles.md).
     */
    connections: z.array(serverConnectionSchema).min(1).optional(),
    /**
     * The databases of the steps that name none: `all` (every database that accepts
     * connections, templates skipped) or a list. Without `steps`, each gets a `full` dump.
     */
    databases: z.union([z.literal('all'), names]).optional(),
    /** Databases left out of the profile's `databases: all`. */
    excludeDatabases: names.optional(),
    /** Where the zip goes (default `./backups`, or `PGBAK_OUTPUT_DIR`). */
    outputDir: name.optional(),
    /** Where the zip goes: `{ local: { dir } }` and `{ s3: { bucket, prefix, … } }` entries, all written at once (default: outputDir). */
    storage: storageSchema.optional(),
    /** Encrypt the archive with age as it streams (`<name>.zip.age`): to recipients, or to a passphrase. */
    encryption: encryptionSchema.optional(),
    /** Per-table row counts in the manifest: exact `count(*)`, planner estimates, or none. */
    rowCounts: z.enum(rowCountModes).optional(),
    /** Store each database's schema model for `pgbak compare` (default true). */
    schemaModel: flag.optional(),
    /**
     * Deflate level for zip entries that pg_dump did not compress (plain SQL, tar,
     * toc.dat): 0 stores them, 1 (default) is fast, 9 is smallest.
     */
    zipCompressionLevel: wholeNumber(0, 9).optional(),
    /** `auto` (default): pg_dump when a compatible one is installed, else the native engine. */
    engine: z.enum(engines).optional(),
    /** Native engine: `single` (default) or `split` (see the step's `layout`). */
    layout: z.enum(layouts).optional(),
    /** Restore-test every backup of this profile right after it is written. */
    verify: flag.optional(),
    /** Sign each archive's manifest with an Ed25519 key; restore and verify check it with `--verify-key`. */
    signing: signingSchema.optional(),
    /** Which backups of this profile to keep; applied after each successful run and by `pgbak prune`. */
    retention: retentionSchema.optional(),
    /** Prometheus metrics after every run: a node_exporter textfile and/or a Pushgateway. */
    metrics: metricsSchema.optional(),
    /** Alerts: `{ webhook: … }`, `{ ping: … }` and `{ email: … }` entries (see docs/alerts.md). */
    notify: notifySchema.optional(),
    /**
     * A profile whose steps name several databases (`databases: all` or a list): `per-database`
     * (default) writes one archive per database, plus one for the globals; `single` writes them
     * all into one zip, as pgbak did before 0.3.
     */
    archives: z.enum(archiveModes).optional(),
    /** Databases dumped at once (one archive each) by a `per-database` run (default 1), over all servers of `connections:`; `run --concurrency` overrides it. */
    concurrency: wholeNumber(1, 256).optional(),
    /**
     * The most server connections pgbak holds at once on one server (each of `connections:`), counted over the
     * databases dumped at once (pg_dump's own and its jobs, pgbak's snapshot session, verify's).
     * A concurrency that would need more is lowered, with a warning; default 10.
     */
    maxConnections: wholeNumber(1, 10_000).optional(),
    /** The steps, run in order into one zip (one per database, see `archives`). Default: one `full` step. */
    steps: z.array(stepSchema).min(1).optional(),
  })
  .strict();

/** A backup profile: what to dump, from where, and how (`steps` and their databases filled in from the defaults). */
export const profileSchema = profileObjectSchema
  .superRefine((profile, ctx) => {
    if (profile.connection !== undefined && profile.connections !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['connections'], message: 'set either connection (one server) or connections (several), not both' });
    }
    const labels = new Map<string, number>();
    profile.connections?.forEach((server, index) => {
      const label = server.name ?? server.host;
      if (label === undefined) return;
      const first = labels.get(label);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['connections', index, server.name === undefined ? 'host' : 'name'],
          message: `connections[${first}] is also "${label}": give each server a distinct name (it goes into {host} of the storage locations)`,
        });
      }
      labels.set(label, index);
    });
    if (profile.connections !== undefined && profile.connections.length > 1 && profile.archives === 'single') {
      ctx.addIssue({ code: 'custom', path: ['archives'], message: 'archives: single puts every database into one zip, which cannot hold several servers: leave it out with connections' });
    }
    if (profile.excludeDatabases && profile.databases !== 'all') {
      ctx.addIssue({ code: 'custom', path: ['excludeDatabases'], message: 'excludeDatabases needs databases: all' });
    }
    const takesDatabases = (step: ProfileStep) => step.kind !== 'globals-only' && step.database === undefined && step.databases === undefined;
    if (profile.databases !== undefined && profile.steps !== undefined && !profile.steps.some(takesDatabases)) {
      ctx.addIssue({ code: 'custom', path: ['databases'], message: 'no step takes the profile\'s databases: each names its own (database/databases) or is globals-only' });
    }
    const seen = new Set<string>();
    (profile.steps ?? []).forEach((step, index) => {
      const path = ['steps', index];
      const stepName = step.name ?? step.kind;
      if (seen.has(stepName)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: `step name "${stepName}" is used twice; give each step a distinct name` });
      }
      seen.add(stepName);
      if (step.database !== undefined && step.databases !== undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'databases'], message: 'set either database or databases, not both' });
      }
      if (step.excludeDatabases && step.databases !== 'all') {
        ctx.addIssue({ code: 'custom', path: [...path, 'excludeDatabases'], message: 'excludeDatabases needs databases: all' });
      }
      if (step.jobs !== undefined && step.jobs > 1 && step.format !== 'directory' && (step.engine ?? profile.engine) !== 'native') {
        ctx.addIssue({ code: 'custom', path: [...path, 'jobs'], message: 'jobs > 1 needs format: directory (pg_dump runs parallel dumps only there) or engine: native' });
      }
      if ((step.layout ?? profile.layout) === 'split' && step.kind !== 'globals-only' && (step.engine ?? profile.engine) !== 'native') {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'layout'],
          message: 'layout: split is written by the native engine only: set engine: native (pg_dump has its own parallel format: format: directory with jobs)',
        });
      }
      if (step.kind === 'globals-only' && step.layout !== undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'layout'], message: 'kind globals-only writes one SQL file: it takes no layout' });
      }
      if (step.kind === 'globals-only') {
        for (const key of ['database', 'databases', 'format', 'jobs', 'schemas', 'excludeSchemas', 'tables', 'excludeTables', 'excludeTableData', 'blobs', 'compression'] as const) {
          if (step[key] !== undefined) {
            ctx.addIssue({ code: 'custom', path: [...path, key], message: `kind globals-only does not take ${key} (pg_dumpall --globals-only writes plain SQL for the whole cluster)` });
          }
        }
      } else if (step.noRolePasswords !== undefined) {
        ctx.addIssue({ code: 'custom', path: [...path, 'noRolePasswords'], message: 'noRolePasswords applies to kind globals-only only' });
      }
      for (const problem of checkExtraArgs(step.extraArgs ?? [], step.kind === 'globals-only' ? 'pg_dumpall' : 'pg_dump')) {
        ctx.addIssue({ code: 'custom', path: [...path, 'extraArgs', problem.index], message: problem.message });
      }
      if (step.statistics === true && step.kind !== 'full' && step.kind !== 'tables') {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'statistics'],
          message: `kind ${step.kind} does not take statistics: they go with the definitions and rows of kinds full and tables (pg_dump --with-statistics)`,
        });
      }
      if (step.kind === 'schema-only' && step.excludeTableData) {
        ctx.addIssue({ code: 'custom', path: [...path, 'excludeTableData'], message: 'kind schema-only dumps no data to exclude' });
      }
    });
  })
  .transform(withDefaultSteps);

/**
 * The profile as the rest of pgbak reads it: without `steps`, one `full` step; a step that
 * names no database takes the profile's `databases` (and `excludeDatabases`), which then live
 * in the steps only. Parsing the result again (run overrides do) gives the same profile.
 */
function withDefaultSteps<P extends z.infer<typeof profileObjectSchema>>(profile: P): Omit<P, 'databases' | 'excludeDatabases'> & { steps: ProfileStep[] } {
  const { databases, excludeDatabases, ...rest } = profile;
  const steps: ProfileStep[] = profile.steps ?? [{ kind: 'full' }];
  if (databases === undefined) return { ...rest, steps };
  const inherited = steps.map((step): ProfileStep =>
    step.kind === 'globals-only' || step.database !== undefined || step.databases !== undefined
      ? step
      : { ...step, databases, ...(databases === 'all' && excludeDatabases && { excludeDatabases }) },
  );
  return { ...rest, steps: inherited };
}

export type Profile = z.output<typeof profileSchema>;
export type ProfileStep = z.infer<typeof stepSchema>;
