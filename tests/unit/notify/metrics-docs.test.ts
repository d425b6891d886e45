// The alert rules the README and deploy/prometheus show are rules Prometheus loads.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/cli.js';
import { expectValidRules, itWithPromtool } from '../../support/promtool.js';

describe('metrics documentation', () => {
  itWithPromtool('deploy/prometheus/pgbak-alerts.yml passes promtool check rules', () => {
    expectValidRules(join(repoRoot, 'deploy/prometheus/pgbak-alerts.yml'));
  });

  itWithPromtool("the README's Metrics section: its rule block passes promtool check rules and holds the staleness rule", async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Metrics\n'), readme.indexOf('\n## ', readme.indexOf('\n## Metrics\n') + 1));
    const block = /```yaml\n(groups:\n[\s\S]*?)```/.exec(section)?.[1];
    expect(block).toContain('expr: time() - pgbak_last_success_timestamp_seconds > 26*3600');
    const dir = await mkdtemp(join(tmpdir(), 'pgbak-rules-'));
    try {
      await writeFile(join(dir, 'rules.yml'), block!);
      expectValidRules(join(dir, 'rules.yml'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
