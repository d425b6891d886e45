// Runs a command and measures its wall time and the peak resident memory of the
// process itself (VmHWM from /proc, sampled until it exits): for pgbak that is
// the Node process alone, not the pg_dump child it streams from. It also reads the
// whole machine's busy CPU time over the run (/proc/stat): on a quiet machine that
// is what the command and the server backends it drives cost together, and
// busy CPU-seconds ÷ cores is a floor no amount of parallelism gets under. With other
// processes on the machine that figure is theirs too; `processCpuSeconds` is the measured
// process's own CPU time and that of the children it waited for (pgbak's pg_dump), from
// /proc/<pid>/stat sampled like the memory (the last 25 ms may be missed).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function measure(file, args, { env, stdout = 'ignore' } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const startedAt = Date.now();
    const busyBefore = machineBusySeconds();
    const child = spawn(file, args, { env, stdio: ['ignore', stdout, 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    let cpuTicks = 0;
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const sample = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
        // Fields 14–17 (utime, stime, cutime, cstime), counted after the ")" that ends the command name.
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        cpuTicks = Math.max(cpuTicks, fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0));
      } catch {
        // the process is gone; the last sample stands
      }
    };
    const timer = setInterval(sample, 25);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = machineBusySeconds() - busyBefore;
      if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ seconds, peakMiB: peakKiB / 1024, cpuSeconds, processCpuSeconds: cpuTicks / 100, startedAt, endedAt: Date.now() });
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Busy time of all CPUs since boot, in seconds (/proc/stat counts USER_HZ = 100
// ticks per second). Steal (the hypervisor running someone else) is not ours.
function machineBusySeconds() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = fields.map(Number);
  return (user + nice + system + irq + softirq) / 100;
}
