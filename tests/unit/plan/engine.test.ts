import { PgbakError } from '../../../lib/errors.js';
import { compileProfile, connection, inventory, profileOf, stepProfile } from './support.js';

describe('compile: choosing the engine', () => {
  it('uses pg_dump by default when a compatible one is installed', () => {
    const plan = compileProfile(stepProfile('kind: full'), { server: '15.8', tools: inventory('15.8') });
    expect(plan.steps[0]!.engine).toBe('pg_dump');
  });

  it('falls back to the native engine when every pg_dump is older than the server, and says why', () => {
    const plan = compileProfile(profileOf('steps:\n  - kind: full\n  - kind: globals-only\n'), { server: '17.2', tools: inventory('15.8') });
    expect(plan.steps.map((s) => s.engine)).toEqual(['native', 'native']);
    const [dump, globals] = plan.steps;
    if (dump?.engine !== 'native' || globals?.engine !== 'native') throw new Error('unreachable');
    expect(dump.reason).toMatch(/^no usable pg_dump: .*17\.2.*15\.8/);
    expect(globals.reason).toMatch(/^no usable pg_dumpall/);
    // one self-contained plain SQL file per database, streamed into the zip deflated
    expect(dump.format).toBe('plain');
    expect(dump.output).toEqual({ type: 'stream', entry: 'full/app.sql', compress: true });
    expect(globals.output).toEqual({ type: 'stream', entry: 'globals-only/globals.sql', compress: true });
    expect(dump.snapshot).toBe(true);
  });

  it('falls back when no pg_dump is installed at all', () => {
    const plan = compileProfile(stepProfile('kind: schema-only'), { tools: inventory() });
    expect(plan.steps[0]!.engine).toBe('native');
  });

  it('runs native when the profile or --engine asks for it, with no reason to report', () => {
    const fromProfile = compileProfile(profileOf('engine: native\nsteps:\n  - kind: full\n'));
    const fromFlag = compileProfile(stepProfile('kind: full'), { overrides: { engine: 'native' } });
    for (const plan of [fromProfile, fromFlag]) {
      const step = plan.steps[0]!;
      expect(step.engine).toBe('native');
      if (step.engine === 'native') expect(step.reason).toBeNull();
    }
  });

  it('refuses engine: pg_dump when no compatible pg_dump exists, naming the server version', () => {
    expect(() => compileProfile(profileOf('engine: pg_dump\nsteps:\n  - kind: full\n'), { server: '17.2', tools: inventory('15.8') })).toThrow(PgbakError);
    expect(() => compileProfile(profileOf('engine: pg_dump\nsteps:\n  - kind: full\n'), { server: '17.2', tools: inventory('15.8') })).toThrow(/17\.2/);
  });

  it('lets a native step take jobs without the directory format', () => {
    const plan = compileProfile(profileOf('engine: native\nsteps:\n  - kind: full\n    jobs: 2\n'));
    const step = plan.steps[0]!;
    expect(step.engine === 'native' && step.options.jobs).toBe(2);
  });

  it('passes the native options on: owner, privileges, unreadable tables, role passwords', () => {
    const plan = compileProfile(
      profileOf('engine: native\nsteps:\n  - kind: full\n    noOwner: true\n    noPrivileges: true\n    skipUnreadable: true\n    lockWaitTimeout: 30s\n  - kind: globals-only\n    noRolePasswords: true\n'),
    );
    const [dump, globals] = plan.steps;
    expect(dump?.engine === 'native' && dump.options).toEqual({ noOwner: true, noPrivileges: true, jobs: 1, skipUnreadable: true, noRolePasswords: false, lockWaitTimeout: '30s' });
    expect(globals?.engine === 'native' && globals.options.noRolePasswords).toBe(true);
  });

  describe('layout: split', () => {
    it('takes the split layout from the profile, a step or --layout, for database steps only', () => {
      const fromProfile = compileProfile(profileOf('engine: native\nlayout: split\nsteps:\n  - kind: full\n  - kind: globals-only\n'));
      const [dump, globals] = fromProfile.steps;
      expect(dump?.engine === 'native' && dump.options.layout).toBe('split');
      expect(globals?.engine === 'native' && globals.options.layout).toBeUndefined();
      const fromStep = compileProfile(profileOf('engine: native\nsteps:\n  - kind: full\n    layout: split\n'));
      expect(fromStep.steps[0]!.engine === 'native' && fromStep.steps[0]!.options.layout).toBe('split');
      const fromFlag = compileProfile(stepProfile('kind: full'), { overrides: { engine: 'native', layout: 'split' } });
      expect(fromFlag.steps[0]!.engine === 'native' && fromFlag.steps[0]!.options.layout).toBe('split');
      const single = compileProfile(profileOf('engine: native\nsteps:\n  - kind: full\n'));
      expect(single.steps[0]!.engine === 'native' && single.steps[0]!.options.layout).toBeUndefined();
    });

    it('refuses layout split where pg_dump may run (engine pg_dump or auto): pg_dump has its own formats', () => {
      expect(() => compileProfile(profileOf('steps:\n  - kind: full\n    layout: split\n'))).toThrow(/layout: split is written by the native engine only/);
      expect(() => compileProfile(stepProfile('kind: full'), { overrides: { engine: 'pg_dump', layout: 'split' } })).toThrow(/set engine: native/);
    });

    it('refuses a layout on a globals-only step', () => {
      expect(() => compileProfile(profileOf('engine: native\nsteps:\n  - kind: globals-only\n    layout: split\n'))).toThrow(/globals-only writes one SQL file/);
    });
  });

  describe('sslrootcert=system, which client tools older than 16 read as a file named "system"', () => {
    const system = { ...connection, sslrootcert: 'system' };

    it('refuses engine: pg_dump with exit 2 before anything runs when every pg_dump is older than 16', () => {
      const run = () => compileProfile(profileOf('engine: pg_dump\nsteps:\n  - kind: full\n'), { server: '15.8', tools: inventory('15.8'), connection: system });
      expect(run).toThrow(PgbakError);
      try {
        run();
      } catch (error) {
        expect(error).toMatchObject({ code: 'TOOL_INCOMPATIBLE', exitCode: 2 });
        expect((error as PgbakError).message).toBe('sslrootcert=system (the system trust store) needs client tools 16 or newer; no pg_dump here is: found /usr/lib/postgresql/15/bin/pg_dump (15.8)');
        expect((error as PgbakError).hint).toMatch(/install pg_dump 16 or newer.*sslrootcert the path of a CA file/);
      }
    });

    it('falls back to the native engine with engine auto, and says why', () => {
      const plan = compileProfile(profileOf('steps:\n  - kind: full\n  - kind: globals-only\n'), { server: '15.8', tools: inventory('15.8'), connection: system });
      expect(plan.steps.map((s) => s.engine)).toEqual(['native', 'native']);
      const [dump, globals] = plan.steps;
      expect(dump?.engine === 'native' && dump.reason).toMatch(/^no usable pg_dump: sslrootcert=system .* needs client tools 16 or newer/);
      expect(globals?.engine === 'native' && globals.reason).toMatch(/^no usable pg_dumpall: sslrootcert=system/);
    });

    it('takes an installed pg_dump 16 or newer over the server major 15', () => {
      const plan = compileProfile(stepProfile('kind: full'), { server: '15.8', tools: inventory('15.8', '17.2'), connection: system });
      const step = plan.steps[0]!;
      expect(step.engine === 'pg_dump' && step.tool.version.text).toBe('17.2');
    });

    it('keeps choosing pg_dump 15 for a server 15 with any other root certificate', () => {
      const plan = compileProfile(stepProfile('kind: full'), { server: '15.8', tools: inventory('15.8', '17.2'), connection: { ...connection, sslrootcert: '/etc/ssl/ca.pem' } });
      const step = plan.steps[0]!;
      expect(step.engine === 'pg_dump' && step.tool.version.text).toBe('15.8');
    });
  });
});
