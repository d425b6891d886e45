// The stock `age` and `age-keygen` commands (Debian package `age`), for interoperability
// tests. age reads a passphrase from a terminal only: `script` gives it a pseudo-terminal
// and the passphrase is typed each time it prompts.
import { spawn, spawnSync } from 'node:child_process';

/** Whether the age commands are installed (CI installs them; a test says so when they are not). */
export const hasAge = spawnSync('age', ['--version']).status === 0 && spawnSync('age-keygen', ['--version']).status === 0;

export interface AgeResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `age` (or `age-keygen`) with `args`, `input` on stdin. */
export function runAge(command: 'age' | 'age-keygen', args: readonly string[], input?: Buffer): Promise<AgeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `age args…` on a pseudo-terminal (`script`) and types `passphrase` at each
 * "passphrase" prompt (encryption asks twice). Files only: the terminal carries the prompts.
 */
export function runAgeWithPassphrase(args: readonly string[], passphrase: string): Promise<AgeResult> {
  return new Promise((resolve, reject) => {
    const command = ['age', ...args].map(shellQuote).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let seen = '';
    let typed = 0;
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      seen += chunk.toString();
      const prompts = (seen.match(/passphrase[^:]*:/gi) ?? []).length;
      for (; typed < prompts; typed++) child.stdin.write(`${passphrase}\n`);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.on('error', () => undefined);
  });
}
