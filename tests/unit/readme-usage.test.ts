import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// scripts/usage.js is plain JavaScript shared with `npm run docs:usage`.
const usageModule = '../../scripts/usage.js';

describe('README command reference', () => {
  it('matches what --help prints for every command', async () => {
    const { renderUsage, replaceUsage } = (await import(usageModule)) as {
      renderUsage(): string;
      replaceUsage(text: string, usage: string): string;
    };
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(replaceUsage(readme, renderUsage())).toBe(readme);
  });
});
