import { resolveOutputDir } from '../../../lib/config/output-dir.js';
import { thrown } from './support.js';

describe('resolveOutputDir', () => {
  it('takes the flag, then PGBAK_OUTPUT_DIR, then the profile, then ./backups', () => {
    expect(resolveOutputDir({ cwd: '/w', env: { PGBAK_OUTPUT_DIR: '/env' }, flag: 'out', profile: '/p' })).toBe('/w/out');
    expect(resolveOutputDir({ cwd: '/w', env: { PGBAK_OUTPUT_DIR: '/env' }, profile: '/p' })).toBe('/env');
    expect(resolveOutputDir({ cwd: '/w', env: {}, profile: 'p' })).toBe('/w/p');
    expect(resolveOutputDir({ cwd: '/w', env: {} })).toBe('/w/backups');
  });

  it('refuses an empty --output-dir (it would mean the current folder) as a usage error', () => {
    const error = thrown(() => resolveOutputDir({ cwd: '/w', env: {}, flag: '' }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('--output-dir is empty');
  });

  it('refuses an empty PGBAK_OUTPUT_DIR unless --output-dir is given', () => {
    expect(thrown(() => resolveOutputDir({ cwd: '/w', env: { PGBAK_OUTPUT_DIR: '' } })).message).toBe('PGBAK_OUTPUT_DIR is empty');
    expect(resolveOutputDir({ cwd: '/w', env: { PGBAK_OUTPUT_DIR: '' }, flag: 'o' })).toBe('/w/o');
  });
});
