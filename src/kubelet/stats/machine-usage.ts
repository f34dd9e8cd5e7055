// The whole machine's CPU time and memory from /proc (the node's line in /stats/summary). Parsing is pure;
// reading the files is the one impure function.
import { readFile } from 'node:fs/promises';

export interface MachineSample {
  timestampNs: number;
  /** CPU time spent on anything but idle and iowait, all CPUs together, in nanoseconds. */
  cpuUsageCoreNanoSeconds: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
}

/** The kernel's USER_HZ: /proc/stat counts in hundredths of a second on every Linux architecture we run on. */
const USER_HZ = 100;

/** Busy CPU time from /proc/stat's first line (user nice system idle iowait irq softirq steal …), in nanoseconds. */
export function parseProcStat(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e9) / USER_HZ;
}

/** /proc/meminfo's kB lines → bytes by name. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+kB)?$/.exec(line.trim());
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

/**
 * Memory as the kubelet reports it for the node: usage is what is not free, the working set is usage minus
 * inactive file pages (what the kernel can drop without writing anything).
 */
export function machineMemory(info: Map<string, number>): Pick<MachineSample, 'memoryTotalBytes' | 'memoryAvailableBytes' | 'memoryUsageBytes' | 'memoryWorkingSetBytes'> | undefined {
  const total = info.get('MemTotal');
  const free = info.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const usage = total - free;
  const inactiveFile = info.get('Inactive(file)') ?? 0;
  return { memoryTotalBytes: total, memoryAvailableBytes: info.get('MemAvailable') ?? free, memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactiveFile) };
}

export async function readMachineSample(now: () => number = Date.now): Promise<MachineSample | undefined> {
  const [stat, meminfo] = await Promise.all([readFile('/proc/stat', 'utf8').catch(() => ''), readFile('/proc/meminfo', 'utf8').catch(() => '')]);
  const cpu = parseProcStat(stat);
  const memory = machineMemory(parseMeminfo(meminfo));
  if (cpu === undefined || !memory) return undefined;
  return { timestampNs: now() * 1e6, cpuUsageCoreNanoSeconds: cpu, ...memory };
}
