// core/v1 Service: defaults, validation, ClusterIP/NodePort allocation and the table.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { nameIsDNS1035Label } from '../api/validation/names.js';
import { asObj, child, get, isUnset, num, objects, setDefault, str, stringMap, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { allocateService, defaultAllocatorConfig, needsClusterIP, needsNodePorts, type ServiceAllocatorConfig } from './service-allocator.js';
import { validateServiceSpec, validateServiceUpdate } from './service-validation.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, column, formatLabels, nameColumn, ageColumn } from './table.js';

export function defaultService(svc: KubeObject): void {
  const spec = child(svc, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = child(child(spec, 'sessionAffinityConfig'), 'clientIP');
    setDefault(clientIP, 'timeoutSeconds', 10800);
  }
  for (const port of objects(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (isUnset(port.targetPort) || port.targetPort === 0) port.targetPort = port.port;
  }
  const type = str(spec.type);
  if (type === 'NodePort' || type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    if (strings(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
  }
  // clusterIP and clusterIPs[0] are one value written twice.
  const clusterIPs = strings(spec.clusterIPs);
  if (!isUnset(spec.clusterIP) && clusterIPs.length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (isUnset(spec.clusterIP) && clusterIPs.length > 0) spec.clusterIP = clusterIPs[0];
}

/** An update that leaves out allocated values keeps them (patchAllocatedValues). */
function keepAllocated(svc: KubeObject, old: KubeObject): void {
  const spec = child(svc, 'spec');
  const oldSpec = asObj(old.spec) ?? {};
  if (needsClusterIP(svc) && needsClusterIP(old) && isUnset(spec.clusterIP) && strings(spec.clusterIPs).length === 0) {
    if (!isUnset(oldSpec.clusterIP)) spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = structuredClone(oldSpec.clusterIPs);
  }
  if (!needsClusterIP(svc)) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  const oldPorts = objects(oldSpec.ports);
  if (needsNodePorts(svc) && needsNodePorts(old)) {
    for (const port of objects(spec.ports)) {
      if ((num(port.nodePort) ?? 0) !== 0) continue;
      const match = oldPorts.find((p) => p.port === port.port && p.protocol === port.protocol);
      if (match && num(match.nodePort)) port.nodePort = match.nodePort;
    }
  }
  if (!needsNodePorts(svc) && needsNodePorts(old)) {
    // Leaving NodePort/LoadBalancer: unchanged nodePorts are dropped rather than rejected.
    for (const port of objects(spec.ports)) {
      const match = oldPorts.find((p) => p.port === port.port && p.protocol === port.protocol);
      if (match && match.nodePort === port.nodePort) delete port.nodePort;
    }
  }
}

function portsCell(ports: Obj[]): string {
  const text = ports
    .map((p) => {
      const nodePort = num(p.nodePort) ?? 0;
      return nodePort > 0 ? `${num(p.port) ?? 0}:${nodePort}/${str(p.protocol)}` : `${num(p.port) ?? 0}/${str(p.protocol)}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

function externalIPCell(svc: KubeObject): string {
  const spec = asObj(svc.spec) ?? {};
  const externalIPs = strings(spec.externalIPs);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = objects(get(svc, 'status', 'loadBalancer', 'ingress'))
        .map((i) => str(i.ip) || str(i.hostname))
        .filter((s) => s !== '');
      const all = [...ingress, ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

export const serviceTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Type', 'The type of the service.'),
    column('Cluster-IP', 'The cluster IP of the service.'),
    column('External-IP', 'The external IP of the service.'),
    column('Port(s)', 'The ports exposed by the service.'),
    ageColumn,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  cells(svc, now) {
    const spec = asObj(svc.spec) ?? {};
    return [
      svc.metadata.name ?? '',
      str(spec.type),
      strings(spec.clusterIPs)[0] ?? '<none>',
      externalIPCell(svc),
      portsCell(objects(spec.ports)),
      age(svc, now),
      formatLabels(stringMap(spec.selector)),
    ];
  },
};

export function serviceStrategy(resource: ResourceInfo, allocator: ServiceAllocatorConfig = defaultAllocatorConfig): Strategy {
  return defineStrategy(resource, {
    nameValidator: nameIsDNS1035Label,
    statusFields: { loadBalancer: {} },
    defaults: defaultService,
    prepareForUpdate: keepAllocated,
    validate: validateServiceSpec,
    validateUpdate: validateServiceUpdate,
    async allocate(svc, _old, ctx) {
      return allocateService(svc, await ctx.existing(), allocator);
    },
    fieldLabels: (svc) => ({ 'spec.clusterIP': str(get(svc, 'spec', 'clusterIP')), 'spec.type': str(get(svc, 'spec', 'type')) }),
    table: serviceTable,
  });
}
