import { selectItems } from '../../../lib/restore/select-items.js';
import { globalsStep, manifest, step } from './support.js';

const base = { maintenanceDb: 'postgres' };

describe('selectItems', () => {
  it('chooses every database entry by default and leaves the globals out', () => {
    const items = selectItems(manifest([step({ name: 'database' }), globalsStep()]), base);
    expect(items).toEqual([
      { step: 'database', database: 'app', format: 'custom', input: { type: 'entry', name: 'database/app.dump', gunzip: false }, target: 'app', dumpVersion: '15.18', kind: 'full', engine: 'pg_dump' },
    ]);
  });

  it('restores only the globals into the maintenance database with --globals', () => {
    const items = selectItems(manifest([step({ name: 'database' }), globalsStep()]), { ...base, globals: true });
    expect(items.map((i) => [i.step, i.target])).toEqual([['globals', 'postgres']]);
  });

  it('restores the globals first, then the database, with --globals and --database', () => {
    const items = selectItems(manifest([step({ name: 'database' }), globalsStep()]), { ...base, globals: true, database: 'app', target: 'copy' });
    expect(items.map((i) => [i.step, i.target])).toEqual([['globals', 'postgres'], ['database', 'copy']]);
  });

  it('refuses --target when the selection holds several databases, and accepts it once --database narrows it', () => {
    const m = manifest([step({ name: 'a', database: 'one', entries: [{ name: 'a/one.dump', bytes: 1, sha256: 'a'.repeat(64), compressed: false }] }), step({ name: 'a', database: 'two' })]);
    expect(() => selectItems(m, { ...base, target: 'x' })).toThrow(/--target needs one database/);
    expect(selectItems(m, { ...base, target: 'x', database: 'two' }).map((i) => i.target)).toEqual(['x']);
  });

  it('finds a directory dump by its prefix with or without the slash, and marks .sql.gz for gunzip', () => {
    const dir = step({ name: 'full', format: 'directory', entries: ['toc.dat', '3001.dat.gz'].map((f) => ({ name: `full/app/${f}`, bytes: 1, sha256: 'a'.repeat(64), compressed: false })) });
    expect(selectItems(manifest([dir]), { ...base, entry: 'full/app' })[0]!.input).toEqual({ type: 'directory', prefix: 'full/app/', entries: ['full/app/toc.dat', 'full/app/3001.dat.gz'] });
    const gz = step({ name: 'full', format: 'plain', entries: [{ name: 'full/app.sql.gz', bytes: 1, sha256: 'a'.repeat(64), compressed: false }] });
    expect(selectItems(manifest([gz]), base)[0]!.input).toEqual({ type: 'entry', name: 'full/app.sql.gz', gunzip: true });
  });

  it('refuses an --entry that matches nothing, listing the entries there are', () => {
    expect(() => selectItems(manifest([step({ name: 'database' })]), { ...base, entry: 'nope' })).toThrow(/no database entry of the archive matches --entry nope/);
  });
});
