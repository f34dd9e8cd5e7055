// The CNI network containerd's CRI plugin sets up for every pod sandbox: the `bridge` plugin on the node's
// bridge with `host-local` addresses from the node's pod CIDR (the bridge's own address is the pods' gateway),
// then `portmap` for hostPort. containerd brings up the sandbox's loopback itself. Masquerading of egress is
// done by the node's own rule (pod-network.ts), not per pod, so ipMasq stays off.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCidr, gatewayOf, parseCidr } from '../../api/ipv4.js';

export const cniNetworkName = 'a-kube';
export const cniConfFileName = '10-a-kube.conflist';

export interface CniConfigOptions {
  /** The node's pod CIDR (spec.podCIDR). */
  podCidr: string;
  /** Bridge device (default akube0). */
  bridge?: string;
  /** host-local's allocation records (default: its own /var/lib/cni/networks). */
  ipamDataDir?: string;
  mtu?: number;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: Record<string, unknown>[];
}

export function cniConfList(o: CniConfigOptions): CniConfList {
  const block = parseCidr(o.podCidr);
  if (!block) throw new Error(`invalid pod CIDR ${JSON.stringify(o.podCidr)}`);
  return {
    cniVersion: '1.0.0',
    name: cniNetworkName,
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge ?? 'akube0',
        isGateway: true,
        isDefaultGateway: true,
        ipMasq: false,
        // A pod reaching itself through a Service leaves and re-enters by the same bridge port.
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: formatCidr(block), gateway: gatewayOf(block) }]],
          ...(o.ipamDataDir ? { dataDir: o.ipamDataDir } : {}),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the configuration into containerd's CNI conf_dir (atomically: containerd watches the directory). */
export function writeCniConfig(confDir: string, o: CniConfigOptions): string {
  mkdirSync(confDir, { recursive: true });
  const path = join(confDir, cniConfFileName);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(cniConfList(o), null, 2)}\n`);
  renameSync(tmp, path);
  return path;
}
