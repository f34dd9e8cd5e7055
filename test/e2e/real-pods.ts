// What the e2e tests that run real pods share: why this machine cannot run them (to skip with a reason), and a
// synchronous wait that ends with the cluster's recent log when it times out.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { checkRuntimeDeps } from '../../src/kubelet/containerd/deps.js';
import { processAlive } from '../../src/process/alive.js';
import { hasKubectl } from './harness.js';
import { busyboxAvailable } from './test-images.js';

export interface RealPodNeeds {
  /** Commands that must be on the PATH besides containerd, runc and iptables (e.g. ipset, nsenter, debootstrap). */
  tools?: string[];
  /** The busybox test image (default true). */
  busybox?: boolean;
  /** kubectl on the PATH (default true). */
  kubectl?: boolean;
}

/** Undefined when real pods can run here; otherwise what is missing, worded for a skipped test. */
export function realPodsUnavailable(needs: RealPodNeeds = {}): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (containerd, network namespaces, iptables)';
  const deps = checkRuntimeDeps('/usr/lib/cni');
  if (deps.problem) return `containers cannot run here: ${deps.problem}`;
  for (const tool of needs.tools ?? []) if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  if ((needs.busybox ?? true) && !busyboxAvailable()) return 'busybox-static is not installed (apt-get install busybox-static)';
  if ((needs.kubectl ?? true) && !hasKubectl) return 'kubectl is not on the PATH';
  const lock = '/run/a-kube/pod-network.lock';
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return `another a-kube (pid ${pid}) owns this machine's pod network`;
  }
  return undefined;
}

/**
 * Calls `probe` every second until it returns a value, and returns it; after `timeoutMs` throws naming `what`,
 * followed by `context()` (the cluster's log, say).
 */
export function waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs = 120_000, context?: () => string): T {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    spawnSync('sleep', ['1']);
  }
}

/** waitUntil for probes that are asynchronous: polls every 500 ms without blocking the event loop. */
export async function untilResolved<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000, context?: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
