// This machine as a Node describes it: CPUs, memory, disk of the data dir, kernel, OS image and identities.
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { createHash } from 'node:crypto';
import type { MachineInfo } from './node-status.js';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(read('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

/** Memory the eviction threshold keeps back from pods (the kubelet's default memory.available<100Mi). */
const evictionMemoryKi = 100 * 1024;

export function machineResources(dataDir: string): { cpu: string; memory: string; machine: MachineInfo } {
  const memKi = Math.floor(totalmem() / 1024);
  let storageKi = 0;
  try {
    const st = statfsSync(dataDir);
    storageKi = Math.floor((st.blocks * st.bsize) / 1024);
  } catch {
    storageKi = 0;
  }
  const machineID = read('/etc/machine-id') || createHash('sha256').update(dataDir).digest('hex').slice(0, 32);
  const product = read('/sys/class/dmi/id/product_uuid');
  const h = createHash('sha256').update(machineID).digest('hex');
  return {
    cpu: String(cpus().length),
    memory: `${memKi}Ki`,
    machine: {
      kernelVersion: release(),
      osImage: osImage(),
      machineID,
      bootID: read('/proc/sys/kernel/random/boot_id'),
      systemUUID: product || `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
      ephemeralStorage: `${storageKi}Ki`,
      allocatableMemory: `${Math.max(0, memKi - evictionMemoryKi)}Ki`,
    },
  };
}
