// The kubelet-managed /etc/hosts of a pod's containers: localhost entries, the pod's own address and name (with
// its subdomain's fully qualified name when it has one), and spec.hostAliases.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../api/object.js';
import { arr, specOf, str } from '../api/pod-util.js';
import { podDir } from './log-paths.js';

export function hostsFileContent(pod: KubeObject, podIP: string, clusterDomain = 'cluster.local'): string {
  const spec = specOf(pod);
  const hostname = str(spec['hostname'], (pod.metadata.name ?? '').slice(0, 63));
  const subdomain = str(spec['subdomain']);
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIP) lines.push(subdomain ? `${podIP}\t${hostname}.${subdomain}.${pod.metadata.namespace ?? ''}.svc.${clusterDomain}\t${hostname}` : `${podIP}\t${hostname}`);
  const aliases = arr(spec['hostAliases']);
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) {
      const names = (Array.isArray(a['hostnames']) ? a['hostnames'] : []).filter((h): h is string => typeof h === 'string' && /^[A-Za-z0-9.-]+$/.test(h));
      const ip = str(a['ip']);
      if (/^[0-9a-fA-F:.]+$/.test(ip) && names.length) lines.push(`${ip}\t${names.join('\t')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes DATA_DIR/pods/<uid>/etc-hosts when its content changes; returns its path. */
export function writeHostsFile(dataDir: string, pod: KubeObject, podIP: string): string {
  const dir = podDir(dataDir, pod.metadata.uid ?? '');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'etc-hosts');
  const content = hostsFileContent(pod, podIP);
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = '';
  }
  if (current !== content) {
    writeFileSync(`${file}.tmp`, content, { mode: 0o644 });
    renameSync(`${file}.tmp`, file);
  }
  return file;
}
