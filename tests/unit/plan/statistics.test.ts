// Profile `statistics: true` (pg_dump 18 --with-statistics, and the native engine's
// STATISTICS DATA entries): which servers, engines and kinds take it.
import { PgbakError } from '../../../lib/errors.js';
import { thrown } from '../config/support.js';
import { compileProfile, inventory, profileOf, stepProfile } from './support.js';

describe('compile: statistics', () => {
  it('passes --with-statistics to pg_dump 18 for an 18 server, and nothing when not asked (pg_dump 18 dumps none by default)', () => {
    const withStats = compileProfile(stepProfile('kind: full\nstatistics: true'), { server: '18.1', tools: inventory('18.1') }).steps[0]!;
    expect(withStats.engine === 'pg_dump' && withStats.args).toContain('--with-statistics');
    // The native engine would write them too should it take over (engine auto's fallback).
    expect(withStats.engine === 'pg_dump' && withStats.nativeOptions.statistics).toBe(true);
    const without = compileProfile(stepProfile('kind: full'), { server: '18.1', tools: inventory('18.1') }).steps[0]!;
    expect(without.engine === 'pg_dump' && without.args.some((a) => a.includes('statistics'))).toBe(false);
    expect(without.engine === 'pg_dump' && 'statistics' in without.nativeOptions).toBe(false);
  });

  it('asks the native engine for them, for kinds full and tables', () => {
    const plan = compileProfile(
      profileOf('engine: native\nsteps:\n  - kind: full\n    statistics: true\n  - kind: tables\n    tables: [public.orders]\n    statistics: true\n'),
      { server: '18.1' },
    );
    expect(plan.steps.map((s) => s.engine === 'native' && s.options.statistics)).toEqual([true, true]);
  });

  it.each(['14.12', '15.8', '16.4', '17.2'])('refuses them on a PostgreSQL %s server with either engine: exit 2, the server named', (server) => {
    for (const profile of [profileOf('engine: native\nsteps:\n  - kind: full\n    statistics: true\n'), stepProfile('kind: full\nstatistics: true')]) {
      const error = thrown(() => compileProfile(profile, { server, tools: inventory(server) }));
      expect(error).toBeInstanceOf(PgbakError);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`/profiles/test.yaml: steps[0]: statistics: true needs a PostgreSQL 18 server; this one is ${server}`);
      expect(error.hint).toMatch(/pg_restore_relation_stats\(\), new in PostgreSQL 18/);
    }
  });

  it.each(['schema-only', 'data-only', 'large-objects', 'globals-only'])('refuses them on kind %s when the profile is read', (kind) => {
    const error = thrown(() => stepProfile(`kind: ${kind}\nstatistics: true`));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(new RegExp(`steps\\[0\\]\\.statistics: kind ${kind} does not take statistics`));
  });
});
