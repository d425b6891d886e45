// Summarises a V8 CPU profile (node --cpu-prof) as the functions with the most
// self time, a Markdown table for BENCHMARKS.md:
//   node --cpu-prof --cpu-prof-dir=.bench/prof bin/pgbak.js run … && node scripts/cpu-profile-top.js .bench/prof/*.cpuprofile [rows]
// Self time is the main thread's only: zlib's deflate on libuv's pool and V8's
// GC helpers are not in it ("(garbage collector)" is the main thread's share).
// Native code a function calls (hashing, CRC-32, a socket read) counts as that
// function's. Percentages are of the busy time, "(idle)" left out.
import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node scripts/cpu-profile-top.js <file.cpuprofile> [rows]');
const rows = Number(rowsArg ?? 20);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
let busy = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const micros = profile.timeDeltas[i] ?? 0;
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  if (functionName === '(idle)') {
    idle += micros;
    return;
  }
  busy += micros;
  // The bundle's path is long and the same everywhere: keep the file name and the line.
  const where = url ? ` ${url.replace(/^.*\//, '')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'}${where}`;
  self.set(key, (self.get(key) ?? 0) + micros);
});
console.log(`Busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s (main thread).`);
console.log();
console.log('| self time | share of busy | function |');
console.log('|---|---|---|');
for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
  console.log(`| ${(micros / 1e3).toFixed(0)} ms | ${((100 * micros) / busy).toFixed(1)} % | \`${key}\` |`);
}
