// Regenerates the command reference (docs/commands.md) from the CLI's own --help,
// so the two never drift apart: npm run docs:usage (tests/unit/readme-usage.test.ts
// fails when docs/commands.md is stale).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The file holding the generated block, between <!-- usage:start --> and <!-- usage:end -->. */
export const referenceFile = `${root}docs/commands.md`;
export const commands = [[], ['profiles'], ['plan'], ['run'], ['restore'], ['verify'], ['list'], ['prune'], ['status'], ['compare']];

export function renderUsage() {
  const blocks = commands.map((args) => {
    const help = execFileSync(process.execPath, [`${root}bin/pgbak.js`, ...args, '--help'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    return `### \`pgbak ${args.join(' ') || '--help'}\`\n\n\`\`\`\n${help.trimEnd()}\n\`\`\``;
  });
  return blocks.join('\n\n');
}

export function replaceUsage(text, usage) {
  return text.replace(/(<!-- usage:start -->\n)[\s\S]*?(<!-- usage:end -->)/, `$1${usage}\n$2`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(referenceFile, replaceUsage(readFileSync(referenceFile, 'utf8'), renderUsage()));
  console.error('docs/commands.md: command reference updated');
}
