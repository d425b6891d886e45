import { PgbakError } from '../../../lib/errors.js';
import { CLUSTER_GROUP, type CompileInput } from '../../../lib/plan/compile.js';
import { compileFleet, connectionsOf, DEFAULT_MAX_CONNECTIONS, isPerDatabase } from '../../../lib/plan/compile-fleet.js';
import { thrown } from '../config/support.js';
import { NOW, connection, inventory, profileOf, version } from './support.js';

function fleetOf(yaml: string, databases = ['postgres', 'app', 'crm'], storage?: CompileInput['storage']) {
  return compileFleet({
    profile: profileOf(yaml),
    connection,
    facts: { server: version('15.8'), databases, tools: inventory('15.8') },
    outputDir: '/backups',
    storage,
    now: NOW,
  });
}

describe('compileFleet', () => {
  it('makes one plan per database of databases: all and one for the globals, each named for what it holds', () => {
    const fleet = fleetOf('steps:\n  - kind: full\n    databases: all\n    excludeDatabases: [crm]\n  - kind: globals-only\n', ['postgres', 'app', 'crm'], [
      { kind: 's3', bucket: 'acme', prefix: 'pg/{host}/{database}/', region: 'us-east-1' },
    ]);
    expect(fleet.plans.map((plan) => [plan.archiveName, plan.databases, plan.steps.map((s) => [s.kind, s.database])])).toEqual([
      ['test-globals-20261122T010000Z.zip', [CLUSTER_GROUP], [['globals-only', null]]],
      ['test-postgres-20261122T010000Z.zip', ['postgres'], [['full', 'postgres']]],
      ['test-app-20261122T010000Z.zip', ['app'], [['full', 'app']]],
    ]);
    expect(fleet.plans.map((plan) => plan.storage[0]!.kind === 's3' && plan.storage[0]!.prefix)).toEqual(['pg/db.internal/globals/', 'pg/db.internal/postgres/', 'pg/db.internal/app/']);
    const run = { startedAt: NOW.toISOString(), databases: ['postgres', 'app'], allDatabases: true };
    expect(fleet.plans.map((plan) => [plan.allDatabases, plan.fleet])).toEqual([
      [false, { ...run, globals: true }],
      [false, run],
      [false, run],
    ]);
  });

  it('puts each database of a list in its own archive with every step that names it', () => {
    const fleet = fleetOf('steps:\n  - name: schema\n    kind: schema-only\n    databases: [app, crm]\n  - name: data\n    kind: data-only\n    database: crm\n');
    expect(fleet.plans.map((plan) => [plan.databases, plan.steps.map((s) => `${s.step}:${s.database}`)])).toEqual([
      [['app'], ['schema:app']],
      [['crm'], ['schema:crm', 'data:crm']],
    ]);
    expect(fleet.plans[0]!.fleet).toEqual({ startedAt: NOW.toISOString(), databases: ['app', 'crm'] });
  });

  it('keeps one zip for all with archives: single, and for profiles without a databases: step', () => {
    expect(isPerDatabase(profileOf('archives: single\nsteps:\n  - kind: full\n    databases: all\n').profile)).toBe(false);
    expect(isPerDatabase(profileOf('steps:\n  - kind: full\n  - kind: globals-only\n').profile)).toBe(false);
    expect(isPerDatabase(profileOf('steps:\n  - kind: full\n    databases: [app]\n').profile)).toBe(true);
  });

  it('counts the connections of an archive: pg_dump and the snapshot session, jobs + 1 for a parallel pg_dump, the native workers, verify', () => {
    const per = (yaml: string) => fleetOf(`steps:\n  - ${yaml}\n    databases: [app]\n`).connectionsPerArchive;
    expect(per('kind: full')).toBe(2);
    expect(per('kind: full\n    format: directory\n    jobs: 4')).toBe(6);
    expect(per('kind: full\n    engine: native\n    jobs: 3')).toBe(3);
    expect(per('kind: full\n    engine: native')).toBe(1);
    expect(connectionsOf(fleetOf('verify: true\nsteps:\n  - kind: full\n    engine: native\n    databases: [app]\n').plans[0]!)).toBe(2);
    expect(fleetOf('steps:\n  - kind: globals-only\n  - kind: full\n    databases: [app]\n').plans.map(connectionsOf)).toEqual([1, 2]);
  });

  it('lowers the concurrency to what maxConnections allows, with a warning', () => {
    const fleet = fleetOf('concurrency: 8\nmaxConnections: 7\nsteps:\n  - kind: full\n    databases: all\n', ['a', 'b', 'c', 'd', 'e']);
    expect([fleet.concurrency, fleet.requestedConcurrency, fleet.maxConnections, fleet.connectionsPerArchive]).toEqual([3, 8, 7, 2]);
    expect(fleet.warnings).toEqual(['concurrency 8 lowered to 3: each archive holds up to 2 server connections and maxConnections is 7']);
  });

  it('runs one at a time by default, within the default budget, and never more at once than there are archives', () => {
    const fleet = fleetOf('steps:\n  - kind: full\n    databases: all\n');
    expect([fleet.concurrency, fleet.maxConnections, fleet.warnings]).toEqual([1, DEFAULT_MAX_CONNECTIONS, []]);
    expect(fleetOf('concurrency: 4\nsteps:\n  - kind: full\n    databases: [app, crm]\n').concurrency).toBe(2);
  });

  it('refuses (exit 2) a profile one archive of which needs more connections than maxConnections', () => {
    const error = thrown(() => fleetOf('maxConnections: 4\nsteps:\n  - kind: full\n    format: directory\n    jobs: 4\n    databases: [app]\n'));
    expect(error).toBeInstanceOf(PgbakError);
    expect([error.code, error.exitCode, error.message]).toEqual(['USAGE', 2, 'the archive of app needs 6 server connections at once, more than maxConnections 4']);
  });

  it('refuses a database named like the globals group', () => {
    expect(thrown(() => fleetOf('steps:\n  - kind: full\n    databases: all\n', ['app', CLUSTER_GROUP])).message).toContain(`a database is named ${CLUSTER_GROUP}`);
  });
});
