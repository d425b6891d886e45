import { parseProfile } from '../../../lib/config/load-profile.js';
it('probe', () => {
  try { parseProfile('connection:\n  port: ${P}\nsteps:\n  - kind: full\n    noOwner: ${NO}\n    format: directory\n    jobs: ${J}\n', '/x.yaml', { P: '5433', NO: 'true', J: '4' }); console.log('ok'); } catch (e) { console.log((e as Error).message); }
  try { parseProfile('steps:\n  - kind: full\n    database: ${DB}\n', '/x.yaml', { DB: '' }); console.log('ok'); } catch (e) { console.log((e as Error).message); }
});
