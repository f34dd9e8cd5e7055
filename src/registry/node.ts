// core/v1 Node: cluster-scoped; status belongs to the node agent (status subresource).
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, get, objects, str } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, column, nameColumn, ageColumn, orNone } from './table.js';

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function address(node: Parameters<Strategy['validate']>[0], type: string): string {
  return orNone(str(objects(get(node, 'status', 'addresses')).find((a) => a.type === type)?.address));
}

function roles(labels: Record<string, string> | undefined): string {
  const found = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') found.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') found.add(v);
  }
  return orNone([...found].sort().join(','));
}

export const nodeTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { wide: true }),
    column('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available.', { wide: true }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { wide: true }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { wide: true }),
  ],
  cells(node, now) {
    const ready = objects(get(node, 'status', 'conditions')).find((c) => c.type === 'Ready');
    const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
    if (get(node, 'spec', 'unschedulable') === true) status.push('SchedulingDisabled');
    const info = asObj(get(node, 'status', 'nodeInfo')) ?? {};
    const orUnknown = (s: string) => (s === '' ? '<unknown>' : s);
    return [
      node.metadata.name ?? '',
      status.join(','),
      roles(node.metadata.labels),
      age(node, now),
      str(info.kubeletVersion),
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      orUnknown(str(info.osImage)),
      orUnknown(str(info.kernelVersion)),
      orUnknown(str(info.containerRuntimeVersion)),
    ];
  },
};

export function nodeStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(node) {
      const errs: FieldError[] = [];
      objects(get(node, 'spec', 'taints')).forEach((t, i) => {
        if (str(t.key) === '') errs.push(field.required(`spec.taints[${i}].key`));
        const effect = str(t.effect);
        if (effect === '') errs.push(field.required(`spec.taints[${i}].effect`));
        else if (!TAINT_EFFECTS.includes(effect)) errs.push(field.notSupported(`spec.taints[${i}].effect`, effect, TAINT_EFFECTS));
      });
      return errs;
    },
    fieldLabels: (node) => ({ 'spec.unschedulable': String(get(node, 'spec', 'unschedulable') === true) }),
    table: nodeTable,
  });
}
