import * as z from 'zod';
import type { Manifest } from './manifest-types.js';

// Plain (stripping) objects rather than strict ones: a later pgbak may add optional
// fields within format 1, and this reader should still open its archives.
// Key order here is the order serializeManifest writes.

const isoUtc = z.iso.datetime();
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const count = z.int().nonnegative();

const entry = z.object({
  name: z.string().min(1),
  bytes: count,
  sha256,
  compressed: z.boolean(),
  role: z.enum(['script', 'pre-data', 'data', 'post-data', 'toc']).optional(),
  table: z.string().optional(),
});

const databaseDefinition = z.object({
  owner: z.string(),
  encoding: z.string(),
  localeProvider: z.enum(['libc', 'icu', 'builtin']),
  collate: z.string(),
  ctype: z.string(),
  locale: z.string().nullable(),
  icuRules: z.string().nullable(),
  tablespace: z.string().nullable(),
  connectionLimit: z.int(),
  isTemplate: z.boolean(),
  comment: z.string().nullable(),
  securityLabels: z.array(z.object({ provider: z.string(), label: z.string() })),
  acl: z.array(z.string()).nullable(),
  aclDefault: z.array(z.string()),
  settings: z.array(z.object({ role: z.string().nullable(), setting: z.string() })),
});

const step = z.object({
  name: z.string().min(1),
  kind: z.enum(['full', 'schema-only', 'data-only', 'tables', 'large-objects', 'globals-only']),
  database: z.string().nullable(),
  format: z.enum(['plain', 'custom', 'tar', 'directory']),
  engine: z.enum(['pg_dump', 'native']),
  engineReason: z.string().optional(),
  omitted: z.array(z.string()).optional(),
  tool: z.object({ name: z.string(), path: z.string(), version: z.string() }),
  command: z.array(z.string()),
  startedAt: isoUtc,
  finishedAt: isoUtc,
  snapshot: z.string().nullable(),
  entries: z.array(entry),
  layout: z.literal('split').optional(),
  schemaModel: z
    .object({
      entry: z.string().min(1),
      bytes: count,
      sha256,
      objects: count,
      schemas: z.array(z.string()).nullable(),
    })
    .optional(),
  rowCounts: z
    .object({
      mode: z.enum(['exact', 'estimate', 'off']),
      tables: z.record(z.string(), count.nullable()),
    })
    .nullable(),
  sequences: z.record(z.string(), z.object({ lastValue: z.string().nullable(), isCalled: z.boolean() })).nullable(),
  dumpedSequences: z.record(z.string(), z.object({ lastValue: z.string().nullable(), isCalled: z.boolean() })).optional(),
  databaseDefinition: databaseDefinition.optional(),
  largeObjects: count.nullable(),
  warnings: z.array(z.string()),
});

/** Validates a manifest; the annotation keeps it in step with the documented types. */
export const manifestSchema: z.ZodType<Manifest> = z.object({
  formatVersion: z.literal(1),
  pgbak: z.object({ version: z.string() }),
  profile: z.object({
    name: z.string(),
    source: z.enum(['built-in', 'user']),
    file: z.string(),
    sha256,
  }),
  source: z.object({
    host: z.string(),
    port: z.int().min(1).max(65535),
    user: z.string(),
    database: z.string(),
    sslmode: z.string().optional(),
    server: z.string().optional(),
    serverVersion: z.object({ text: z.string(), major: count, minor: count }),
  }),
  startedAt: isoUtc,
  finishedAt: isoUtc,
  status: z.literal('complete'),
  steps: z.array(step),
  allDatabases: z.literal(true).optional(),
  fleet: z
    .object({ startedAt: isoUtc, databases: z.array(z.string()), allDatabases: z.literal(true).optional(), globals: z.literal(true).optional() })
    .optional(),
  log: z.object({ entry: z.string().min(1) }),
  signing: z
    .object({
      algorithm: z.literal('ed25519'),
      keyId: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>'),
      entry: z.string().min(1),
    })
    .optional(),
});
