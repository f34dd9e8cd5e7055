import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { formatFieldError } from '../../../src/api/status.js';
import { allocateService, defaultAllocatorConfig, firstServiceIP, type ServiceAllocatorConfig } from '../../../src/registry/service-allocator.js';
import { NOW, create, strategy, update } from './helpers.js';

const services = strategy('', 'v1', 'services');

function svc(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' }, spec };
}

/** Deterministic allocator: always starts its search at offset 0 of the usable range. */
const firstFit: ServiceAllocatorConfig = { ...defaultAllocatorConfig, random: () => 0 };

function allocated(input: KubeObject, others: KubeObject[], cfg = firstFit): { obj: KubeObject; errors: string[] } {
  const { obj, errors } = create(services, input);
  assert.deepEqual(errors, []);
  return { obj, errors: allocateService(obj, others, cfg).map(formatFieldError) };
}

test('service defaults: type, affinity, protocol, targetPort, families', () => {
  const { obj, errors } = create(services, svc('web', { selector: { app: 'web' }, ports: [{ port: 80 }] }));
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
});

test('clusterIP allocation: in range, skips .0 and .1, unique, mirrored into clusterIPs', () => {
  assert.equal(firstServiceIP(), '10.96.0.1');
  const { obj: a } = allocated(svc('a', { ports: [{ port: 80 }] }), []);
  assert.equal((a.spec as Record<string, unknown>).clusterIP, '10.96.0.2');
  assert.deepEqual((a.spec as Record<string, unknown>).clusterIPs, ['10.96.0.2']);
  const { obj: b } = allocated(svc('b', { ports: [{ port: 80 }] }), [a]);
  assert.equal((b.spec as Record<string, unknown>).clusterIP, '10.96.0.3');
});

test('random clusterIPs stay inside 10.96.0.0/12 and never hit the reserved addresses', () => {
  for (let i = 0; i < 200; i++) {
    const { obj } = allocated(svc('r', { ports: [{ port: 80 }] }), [], defaultAllocatorConfig);
    const ip = String((obj.spec as Record<string, unknown>).clusterIP);
    const [a, b, c, d] = ip.split('.').map(Number);
    assert.equal(a, 10);
    assert.ok(b !== undefined && b >= 96 && b <= 111, ip);
    assert.ok(!(b === 96 && c === 0 && (d === 0 || d === 1)), ip);
    assert.ok(!(b === 111 && c === 255 && d === 255), ip);
  }
});

const requested: { name: string; ip: string; others: KubeObject[]; want: string[] }[] = [
  { name: 'free address is honoured', ip: '10.96.0.10', others: [], want: [] },
  {
    name: 'address in use',
    ip: '10.96.0.5',
    others: [svc('other', { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'] })],
    want: ['spec.clusterIPs: Invalid value: ["10.96.0.5"]: failed to allocate IP 10.96.0.5: provided IP is already allocated'],
  },
  {
    name: 'address out of range',
    ip: '10.0.0.5',
    others: [],
    want: ['spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12'],
  },
  { name: 'the kubernetes Service may take 10.96.0.1', ip: '10.96.0.1', others: [], want: [] },
];
for (const c of requested) {
  test(`requested clusterIP: ${c.name}`, () => {
    const { obj, errors } = allocated(svc('web', { clusterIP: c.ip, ports: [{ port: 80 }] }), c.others);
    assert.deepEqual(errors, c.want);
    if (c.want.length === 0) assert.deepEqual((obj.spec as Record<string, unknown>).clusterIPs, [c.ip]);
  });
}

test('headless services get None', () => {
  const { obj, errors } = allocated(svc('db', { clusterIP: 'None', selector: { app: 'db' } }), []);
  assert.deepEqual(errors, []);
  assert.deepEqual((obj.spec as Record<string, unknown>).clusterIPs, ['None']);
});

test('NodePort services get node ports from 30000-32767; requested ones are checked', () => {
  const { obj } = allocated(svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443, nodePort: 30000 }] }), []);
  const ports = (obj.spec as { ports: Record<string, unknown>[] }).ports;
  assert.equal(ports[1]?.nodePort, 30000);
  assert.equal(ports[0]?.nodePort, 30001);
  const clash = allocated(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] }), [obj]);
  assert.deepEqual(clash.errors, ['spec.ports[0].nodePort: Invalid value: 30000: provided port is already allocated']);
  const outside = allocated(svc('np3', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }), []);
  assert.deepEqual(outside.errors, ['spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767']);
});

test('an update keeps allocated values and may not change the clusterIP', () => {
  const { obj: old } = allocated(svc('web', { ports: [{ port: 80 }] }), []);
  const resent = svc('web', { ports: [{ port: 80 }] });
  const kept = update(services, resent, old);
  assert.deepEqual(kept.errors, []);
  assert.equal((kept.obj.spec as Record<string, unknown>).clusterIP, '10.96.0.2');
  const moved = update(services, svc('web', { clusterIP: '10.96.0.9', ports: [{ port: 80 }] }), old);
  assert.deepEqual(moved.errors, ['spec.clusterIPs[0]: Invalid value: ["10.96.0.9"]: may not change once set']);
});

const invalid: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
  { name: 'no ports', spec: { selector: { a: 'b' } }, want: ['spec.ports: Required value'] },
  { name: 'bad type', spec: { type: 'Magic', ports: [{ port: 80 }] }, want: ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'] },
  { name: 'unnamed ports', spec: { ports: [{ port: 80 }, { port: 81 }] }, want: ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'] },
  { name: 'port 0', spec: { ports: [{ port: 0, targetPort: 80 }] }, want: ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'] },
  { name: 'nodePort on ClusterIP', spec: { ports: [{ port: 80, nodePort: 30080 }] }, want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"] },
  { name: 'ExternalName needs a name', spec: { type: 'ExternalName' }, want: ['spec.externalName: Required value'] },
];
for (const c of invalid) {
  test(`service validation: ${c.name}`, () => assert.deepEqual(create(services, svc('web', c.spec)).errors, c.want));
}

test('service names are DNS-1035 labels', () => {
  const { errors } = create(services, svc('1web', { ports: [{ port: 80 }] }));
  assert.deepEqual(errors, [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

const tables: { name: string; svc: KubeObject; want: unknown[] }[] = [
  {
    name: 'ClusterIP',
    svc: svc('kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
    want: ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '60m', '<none>'],
  },
  {
    name: 'NodePort with selector',
    svc: svc('web', { type: 'NodePort', clusterIPs: ['10.96.0.7'], selector: { app: 'web', tier: 'fe' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }),
    want: ['web', 'NodePort', '10.96.0.7', '<none>', '80:30080/TCP,53/UDP', '60m', 'app=web,tier=fe'],
  },
  { name: 'LoadBalancer pending', svc: svc('lb', { type: 'LoadBalancer', clusterIPs: ['10.96.0.8'], ports: [] }), want: ['lb', 'LoadBalancer', '10.96.0.8', '<pending>', '<none>', '60m', '<none>'] },
  { name: 'ExternalName', svc: svc('ext', { type: 'ExternalName', externalName: 'example.com' }), want: ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '60m', '<none>'] },
];
for (const c of tables) {
  test(`service table: ${c.name}`, () => assert.deepEqual(services.table?.cells(c.svc, NOW), c.want));
}

test('allocate() reads the other services from the context', async () => {
  const other = svc('other', { clusterIP: '10.96.0.2', clusterIPs: ['10.96.0.2'], ports: [{ port: 80 }] });
  const { obj } = create(services, svc('web', { clusterIP: '10.96.0.2', ports: [{ port: 80 }] }));
  const errs = await services.allocate?.(obj, undefined, { existing: async () => [other] });
  assert.deepEqual(errs?.map(formatFieldError), ['spec.clusterIPs: Invalid value: ["10.96.0.2"]: failed to allocate IP 10.96.0.2: provided IP is already allocated']);
});
