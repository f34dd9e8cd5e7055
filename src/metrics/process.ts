// The process's own figures under the names Prometheus' client libraries use (process_*), plus the Node.js
// runtime's (nodejs_*): CPU time, memory, file descriptors against their limit, start time, event-loop delay.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './registry.js';

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files ("Max open files" in /proc/self/limits). */
export function maxFds(limits = '/proc/self/limits'): number | undefined {
  try {
    const line = readFileSync(limits, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function one(value: number | undefined): { value: number }[] {
  return value === undefined ? [] : [{ value }];
}

export function registerProcessMetrics(r: MetricsRegistry): { stop(): void } {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  r.collect({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent, in seconds.',
    type: 'counter',
    samples: () => {
      const u = process.cpuUsage();
      return [{ value: (u.user + u.system) / 1e6 }];
    },
  });
  r.collect({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: () => [{ value: process.memoryUsage.rss() }] });
  r.collect({ name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', type: 'gauge', samples: () => [{ value: startSeconds }] });
  r.collect({ name: 'process_open_fds', help: 'Open file descriptors.', type: 'gauge', samples: () => one(openFds()) });
  r.collect({ name: 'process_max_fds', help: 'The most file descriptors the process may open.', type: 'gauge', samples: () => one(maxFds()) });
  r.collect({
    name: 'nodejs_heap_size_used_bytes',
    help: 'V8 heap in use, in bytes.',
    type: 'gauge',
    samples: () => [{ value: process.memoryUsage().heapUsed }],
  });
  r.collect({
    name: 'nodejs_heap_size_total_bytes',
    help: 'V8 heap reserved, in bytes.',
    type: 'gauge',
    samples: () => [{ value: process.memoryUsage().heapTotal }],
  });
  r.collect({
    name: 'nodejs_eventloop_delay_p99_seconds',
    help: 'The 99th percentile of the event loop delay since the previous scrape, in seconds.',
    type: 'gauge',
    samples: () => {
      const p99 = delay.percentile(99) / 1e9;
      delay.reset();
      return [{ value: p99 }];
    },
  });
  return { stop: () => delay.disable() };
}
