import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// scripts/usage.js is plain JavaScript shared with `npm run docs:usage`.
const usageModule = '../../scripts/usage.js';
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the command reference (docs/commands.md)', () => {
  it('matches what --help prints for every command', async () => {
    const { renderUsage, replaceUsage, referenceFile } = (await import(usageModule)) as {
      renderUsage(): string;
      replaceUsage(text: string, usage: string): string;
      referenceFile: string;
    };
    expect(referenceFile).toBe(join(root, 'docs/commands.md'));
    const reference = readFileSync(referenceFile, 'utf8');
    expect(reference).toContain('<!-- usage:start -->');
    expect(replaceUsage(reference, renderUsage())).toBe(reference);
  });
});

describe('the README and docs/', () => {
  const guides = ['README.md', 'docs/commands.md', 'docs/profiles.md', 'docs/native-engine.md', 'docs/compare.md', 'docs/storage.md', 'docs/encryption.md', 'docs/fleet.md'];

  it.each(guides)('%s links only to files of the repository that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1] as string)
      .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'))
      .map((target) => target.split('#')[0] as string);
    const missing = targets.filter((target) => !existsSync(join(root, dirname(file), target)));
    expect(missing).toEqual([]);
  });

  it.each(guides)('%s links only to headings that exist (GitHub anchors)', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const links = [...text.matchAll(/\]\(([^)\s]*#[^)\s]+)\)/g)].map((match) => match[1] as string).filter((link) => !/^[a-z]+:/.test(link));
    const missing = links.filter((link) => {
      const [target = '', anchor = ''] = link.split('#');
      const linked = target === '' ? text : readFileSync(join(root, dirname(file), target), 'utf8');
      return !headingAnchors(linked).includes(anchor);
    });
    expect(missing).toEqual([]);
  });

  it('the README links to each reference moved out of it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const file of guides.slice(1)) expect(readme).toContain(`](${file})`);
    // The generated block lives in docs/commands.md only.
    expect(readme).not.toContain('<!-- usage:start -->');
  });
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens (code fences skipped).
function headingAnchors(markdown: string): string[] {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return [...withoutCode.matchAll(/^#{1,6} +(.+)$/gm)].map((match) =>
    (match[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-'),
  );
}
