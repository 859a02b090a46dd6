import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

let ticksPerSecond;
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat.
 * Fields 14 and 15 counted after the parenthesised command name, which may itself hold spaces.
 */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** CPU-seconds every core has spent busy so far (all processes), from /proc/stat. */
export function machineBusySeconds() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  return (f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] ?? 0)) / clockTicks();
}

/** Major page faults of a process so far: pages it had to wait for the disk to read. */
export function majorFaults(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[9]);
}

/** File pages the kernel had evicted and then had to read back, machine-wide, so far. */
export function fileRefaults() {
  try {
    return Number(
      /^workingset_refault_file (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'))?.[1] ?? NaN,
    );
  } catch {
    return NaN;
  }
}

/** Resident set size now and its high-water mark, in MiB, from /proc/<pid>/status. */
export function memoryMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

export const hasProc = () => existsSync('/proc/self/stat');

/** `taskset -c <cpu>` prefix when the tool exists and the CPU is there; [] otherwise. */
export function pinned(cpu) {
  if (cpu === undefined || cpu === null) return [];
  try {
    execFileSync('taskset', ['-c', String(cpu), 'true'], { stdio: 'ignore' });
    return ['taskset', '-c', String(cpu)];
  } catch {
    return [];
  }
}
