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

/** One line of /proc/stat ("cpu" for the whole machine, "cpu0" for one core) as numbers. */
export function statLine(name, text = readFileSync('/proc/stat', 'utf8')) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? line.trim().split(/\s+/).slice(1).map(Number) : [];
}

/** Busy and stolen ticks of one /proc/stat line: steal is neither busy nor idle. */
export function busyAndSteal(f) {
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6], steal: f[7] ?? 0 };
}

/**
 * CPU-seconds every core has spent busy so far (all processes), from /proc/stat: user, nice,
 * system, irq and softirq. Not idle or iowait, and not steal: time the hypervisor gave another
 * guest is no process's on this machine (`stealSeconds`).
 */
export function machineBusySeconds() {
  return busyAndSteal(statLine('cpu')).busy / clockTicks();
}

/**
 * Seconds the hypervisor ran something else while this guest wanted the CPU ("steal", the 8th
 * field of /proc/stat), so far: for one core (`cpu`, a number) or summed over all of them. On a
 * shared virtual machine a few milliseconds of it at once is a stall no code of ours can avoid.
 */
export function stealSeconds(cpu) {
  return busyAndSteal(statLine(cpu === undefined ? 'cpu' : `cpu${cpu}`)).steal / clockTicks();
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
