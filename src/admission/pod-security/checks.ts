// The Pod Security Standards' checks (baseline and restricted), each answering with Kubernetes' reason and detail
// texts. A check reads the pod's metadata and spec (a pod, or a workload's pod template) and never changes them.
import { isRecord } from '../../api/object.js';

type Dict = Record<string, unknown>;

export interface CheckResult {
  reason: string;
  detail: string;
}

export interface PodLike {
  metadata: { annotations?: Record<string, string> | undefined };
  spec: Dict;
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline checks that this restricted check replaces at the restricted level. */
  overrides?: string[];
  run(pod: PodLike): CheckResult | undefined;
}

function dict(v: unknown): Dict {
  return isRecord(v) ? v : {};
}

function records(v: unknown): Dict[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const joinQuote = (items: readonly string[]) => items.map((s) => JSON.stringify(s)).join(', ');
const sortedUnique = (items: Iterable<string>) => [...new Set(items)].sort();
const containerWord = (names: string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Every container of the pod: init containers, containers, then ephemeral containers. */
function containers(spec: Dict): Dict[] {
  return [...records(spec['initContainers']), ...records(spec['containers']), ...records(spec['ephemeralContainers'])];
}

const nameOf = (c: Dict) => (typeof c['name'] === 'string' ? c['name'] : '');
const securityContext = (c: Dict) => dict(c['securityContext']);
const podSecurityContext = (spec: Dict) => dict(spec['securityContext']);

const hostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  run({ spec }) {
    const setters: string[] = [];
    if (dict(podSecurityContext(spec)['windowsOptions'])['hostProcess'] === true) setters.push('pod');
    const bad = containers(spec).filter((c) => dict(securityContext(c)['windowsOptions'])['hostProcess'] === true).map(nameOf);
    if (bad.length > 0) setters.push(containerWord(bad));
    if (setters.length === 0) return undefined;
    return { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` };
  },
};

const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  run({ spec }) {
    const set = [['hostNetwork', spec['hostNetwork']], ['hostPID', spec['hostPID']], ['hostIPC', spec['hostIPC']]].filter(([, v]) => v === true).map(([k]) => `${String(k)}=true`);
    return set.length > 0 ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
  },
};

const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  run({ spec }) {
    const bad = containers(spec).filter((c) => securityContext(c)['privileged'] === true).map(nameOf);
    return bad.length > 0 ? { reason: 'privileged', detail: `${containerWord(bad)} must not set securityContext.privileged=true` } : undefined;
  },
};

const baselineCapabilities = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  run({ spec }) {
    const bad: string[] = [];
    const caps = new Set<string>();
    for (const c of containers(spec)) {
      const added = strings(dict(securityContext(c)['capabilities'])['add']).filter((cap) => !baselineCapabilities.has(cap));
      if (added.length === 0) continue;
      bad.push(nameOf(c));
      for (const cap of added) caps.add(cap);
    }
    if (bad.length === 0) return undefined;
    return { reason: 'non-default capabilities', detail: `${containerWord(bad)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add` };
  },
};

const hostPathVolumes: Check = {
  id: 'hostPathVolumes',
  level: 'baseline',
  run({ spec }) {
    const bad = records(spec['volumes']).filter((v) => v['hostPath'] !== undefined && v['hostPath'] !== null).map(nameOf);
    return bad.length > 0 ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
  },
};

const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  run({ spec }) {
    const bad: string[] = [];
    const ports = new Set<string>();
    for (const c of containers(spec)) {
      let uses = false;
      for (const p of records(c['ports'])) {
        const hp = p['hostPort'];
        if (typeof hp === 'number' && hp !== 0) {
          uses = true;
          ports.add(String(hp));
        }
      }
      if (uses) bad.push(nameOf(c));
    }
    if (bad.length === 0) return undefined;
    const list = sortedUnique(ports);
    return {
      reason: 'hostPort',
      detail: `${containerWord(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
    };
  },
};

const appArmorAnnotationPrefix = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmor = (value: string) => value === '' || value === 'runtime/default' || value.startsWith('localhost/');

const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  run({ metadata, spec }) {
    const bad: string[] = [];
    const podType = dict(podSecurityContext(spec)['appArmorProfile'])['type'];
    if (podType === 'Unconfined') bad.push(`pod must not set securityContext.appArmorProfile.type to "Unconfined"`);
    const fromFields = containers(spec).filter((c) => dict(securityContext(c)['appArmorProfile'])['type'] === 'Unconfined').map(nameOf);
    if (fromFields.length > 0) bad.push(`${containerWord(fromFields)} must not set securityContext.appArmorProfile.type to "Unconfined"`);
    const annotations = Object.entries(metadata.annotations ?? {})
      .filter(([k, v]) => k.startsWith(appArmorAnnotationPrefix) && !allowedAppArmor(v))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .sort();
    if (annotations.length > 0) bad.push(`${pluralize('annotation', 'annotations', annotations.length)} ${annotations.join(', ')}`);
    if (bad.length === 0) return undefined;
    return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length), detail: bad.join('; ') };
  },
};

const allowedSELinuxTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  run({ spec }) {
    const setters: string[] = [];
    const data = new Set<string>();
    const inspect = (o: Dict): boolean => {
      let bad = false;
      const type = typeof o['type'] === 'string' ? o['type'] : '';
      if (!allowedSELinuxTypes.has(type)) {
        data.add(`type ${JSON.stringify(type)}`);
        bad = true;
      }
      for (const key of ['user', 'role']) {
        const v = o[key];
        if (typeof v === 'string' && v !== '') {
          data.add(`${key} ${JSON.stringify(v)}`);
          bad = true;
        }
      }
      return bad;
    };
    const podOpts = podSecurityContext(spec)['seLinuxOptions'];
    if (isRecord(podOpts) && inspect(podOpts)) setters.push('pod');
    const bad = containers(spec).filter((c) => {
      const o = securityContext(c)['seLinuxOptions'];
      return isRecord(o) && inspect(o);
    }).map(nameOf);
    if (bad.length > 0) setters.push(containerWord(bad));
    if (setters.length === 0) return undefined;
    return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${sortedUnique(data).join('; ')}` };
  },
};

const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  run({ spec }) {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const c of containers(spec)) {
      const v = securityContext(c)['procMount'];
      if (typeof v === 'string' && v !== '' && v !== 'Default') {
        bad.push(nameOf(c));
        types.add(v);
      }
    }
    if (bad.length === 0) return undefined;
    return { reason: 'procMount', detail: `${containerWord(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}` };
  },
};

const seccompType = (o: Dict): unknown => dict(o['seccompProfile'])['type'];

const seccompBaseline: Check = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  run({ spec }) {
    const setters: string[] = [];
    if (seccompType(podSecurityContext(spec)) === 'Unconfined') setters.push('pod');
    const bad = containers(spec).filter((c) => seccompType(securityContext(c)) === 'Unconfined').map(nameOf);
    if (bad.length > 0) setters.push(containerWord(bad));
    if (setters.length === 0) return undefined;
    return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"` };
  },
};

const allowedSysctls = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);

const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  run({ spec }) {
    const bad = records(podSecurityContext(spec)['sysctls']).map((s) => (typeof s['name'] === 'string' ? s['name'] : '')).filter((n) => !allowedSysctls.has(n));
    return bad.length > 0 ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  },
};

const allowedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const knownVolumeTypes = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume',
  'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  overrides: ['hostPathVolumes'],
  run({ spec }) {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const v of records(spec['volumes'])) {
      const type = knownVolumeTypes.find((t) => v[t] !== undefined && v[t] !== null);
      if (type && allowedVolumeTypes.has(type)) continue;
      bad.push(nameOf(v));
      types.add(type ?? 'unknown');
    }
    if (bad.length === 0) return undefined;
    const list = sortedUnique(types);
    return {
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
    };
  },
};

const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  run({ spec }) {
    const bad = containers(spec).filter((c) => securityContext(c)['allowPrivilegeEscalation'] !== false).map(nameOf);
    return bad.length > 0 ? { reason: 'allowPrivilegeEscalation != false', detail: `${containerWord(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
  },
};

const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  run({ spec }) {
    const setters: string[] = [];
    const podValue = podSecurityContext(spec)['runAsNonRoot'];
    if (podValue === false) setters.push('pod');
    const podTrue = podValue === true;
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const v = securityContext(c)['runAsNonRoot'];
      if (typeof v === 'boolean') {
        if (!v) explicit.push(nameOf(c));
      } else if (!podTrue) implicit.push(nameOf(c));
    }
    if (explicit.length > 0) setters.push(containerWord(explicit));
    if (setters.length > 0) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
    if (implicit.length > 0) return { reason: 'runAsNonRoot != true', detail: `pod or ${containerWord(implicit)} must set securityContext.runAsNonRoot=true` };
    return undefined;
  },
};

const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  run({ spec }) {
    const setters: string[] = [];
    if (podSecurityContext(spec)['runAsUser'] === 0) setters.push('pod');
    const bad = containers(spec).filter((c) => securityContext(c)['runAsUser'] === 0).map(nameOf);
    if (bad.length > 0) setters.push(containerWord(bad));
    return setters.length > 0 ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
  },
};

const validSeccomp = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

const seccompRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  overrides: ['seccompProfile_baseline'],
  run({ spec }) {
    const setters: string[] = [];
    const values = new Set<string>();
    let podSet = false;
    const podProfile = podSecurityContext(spec)['seccompProfile'];
    if (isRecord(podProfile)) {
      if (!validSeccomp(podProfile['type'])) {
        setters.push('pod');
        values.add(String(podProfile['type'] ?? ''));
      } else podSet = true;
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const profile = securityContext(c)['seccompProfile'];
      if (isRecord(profile)) {
        if (!validSeccomp(profile['type'])) {
          explicit.push(nameOf(c));
          values.add(String(profile['type'] ?? ''));
        }
      } else if (!podSet) implicit.push(nameOf(c));
    }
    if (explicit.length > 0) setters.push(containerWord(explicit));
    if (setters.length > 0) {
      return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(values))}` };
    }
    if (implicit.length > 0) {
      return { reason: 'seccompProfile', detail: `pod or ${containerWord(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
    }
    return undefined;
  },
};

const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  overrides: ['capabilities_baseline'],
  run({ spec }) {
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const caps = new Set<string>();
    for (const c of containers(spec)) {
      const capabilities = securityContext(c)['capabilities'];
      if (!isRecord(capabilities)) {
        missingDrop.push(nameOf(c));
        continue;
      }
      if (!strings(capabilities['drop']).includes('ALL')) missingDrop.push(nameOf(c));
      const added = strings(capabilities['add']).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (added.length > 0) {
        adding.push(nameOf(c));
        for (const cap of added) caps.add(cap);
      }
    }
    const details: string[] = [];
    if (missingDrop.length > 0) details.push(`${containerWord(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length > 0) details.push(`${containerWord(adding)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`);
    return details.length > 0 ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
  },
};

const byId = (checks: Check[]) => [...checks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export const baselineChecks: readonly Check[] = byId([hostProcess, hostNamespaces, privileged, capabilitiesBaseline, hostPathVolumes, hostPorts, appArmorProfile, seLinuxOptions, procMount, seccompBaseline, sysctls]);
export const restrictedChecks: readonly Check[] = byId([restrictedVolumes, allowPrivilegeEscalation, runAsNonRoot, runAsUser, seccompRestricted, capabilitiesRestricted]);

export type Level = 'privileged' | 'baseline' | 'restricted';

/** The checks a level runs, in the order their findings are reported (baseline's, then restricted's, each by id). */
export function checksFor(level: Level): readonly Check[] {
  if (level === 'privileged') return [];
  if (level === 'baseline') return baselineChecks;
  const overridden = new Set(restrictedChecks.flatMap((c) => c.overrides ?? []));
  return [...baselineChecks.filter((c) => !overridden.has(c.id)), ...restrictedChecks];
}

/** `reason (detail), reason (detail)`, or undefined when the pod meets the level. */
export function evaluatePod(level: Level, pod: PodLike): { reasons: string[]; detail: string } | undefined {
  const results = checksFor(level).map((c) => c.run(pod)).filter((r): r is CheckResult => r !== undefined);
  if (results.length === 0) return undefined;
  return { reasons: results.map((r) => r.reason), detail: results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ') };
}
