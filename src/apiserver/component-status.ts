// v1 ComponentStatus (deprecated since v1.19, still listed by kube-apiserver): the health of the scheduler, the
// controller manager and the storage, computed on each read. The scheduler and controller manager may run in
// other processes (leader election), so each counts as healthy while its leader Lease is held and renewed in time;
// the storage is probed with a real read, as /readyz's etcd check does.
import { findResource } from '../api/catalog.js';
import { isRecord, type KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import type { Strategy, TablePrinter } from '../registry/strategy.js';
import type { ApiServer } from './api-server.js';
import { listResponse, objectResponse } from './encode.js';
import { negotiate } from './negotiation.js';
import type { HealthCheck } from './nonresource.js';
import type { CustomHandler } from './router.js';
import { parseIncludeObject } from './table.js';
import { headerValue, type ApiResponse } from './types.js';

const deprecation = 'v1 ComponentStatus is deprecated in v1.19+';

const componentTable: TablePrinter = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the component.', priority: 0 },
    { name: 'Status', type: 'string', format: '', description: 'Status of the component conditions', priority: 0 },
    { name: 'Message', type: 'string', format: '', description: 'Message of the component conditions', priority: 0 },
    { name: 'Error', type: 'string', format: '', description: 'Error of the component conditions', priority: 0 },
  ],
  cells(obj) {
    const c = Array.isArray(obj['conditions']) && isRecord(obj['conditions'][0]) ? obj['conditions'][0] : {};
    const status = c['status'] === 'True' ? 'Healthy' : c['status'] === 'False' ? 'Unhealthy' : 'Unknown';
    return [obj.metadata.name ?? '', status, String(c['message'] ?? ''), String(c['error'] ?? '')];
  },
};

interface Health {
  healthy: boolean;
  message: string;
  error: string;
}

/** Healthy while the Lease's holder renewed it within its duration. */
export function leaseHealth(lease: Readonly<KubeObject> | undefined, now: Date, leaseRef: string): Health {
  const spec = isRecord(lease?.['spec']) ? lease['spec'] : undefined;
  const holder = typeof spec?.['holderIdentity'] === 'string' ? spec['holderIdentity'] : '';
  if (!spec || holder === '') return { healthy: false, message: '', error: `no leader holds the ${leaseRef} lease` };
  const renewed = Date.parse(typeof spec['renewTime'] === 'string' ? spec['renewTime'] : '');
  const duration = typeof spec['leaseDurationSeconds'] === 'number' ? spec['leaseDurationSeconds'] : 15;
  if (Number.isNaN(renewed) || now.getTime() - renewed > duration * 1000) {
    return { healthy: false, message: '', error: `leader ${holder} has not renewed the ${leaseRef} lease within ${duration}s` };
  }
  return { healthy: true, message: 'ok', error: '' };
}

function componentStatus(name: string, h: Health): KubeObject {
  const condition: Record<string, string> = { type: 'Healthy', status: h.healthy ? 'True' : 'False' };
  if (h.message !== '') condition['message'] = h.message;
  if (h.error !== '') condition['error'] = h.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name }, conditions: [condition] };
}

export function installComponentStatus(api: ApiServer, storage: HealthCheck): void {
  const leases = findResource('coordination.k8s.io', 'v1', 'leases');
  if (!leases) throw new Error('catalog has no leases');
  const leaderOf = async (name: string, now: Date): Promise<Health> => {
    const store = await api.stores.storeFor(leases);
    const lease = store.cache.get(store.keyFor('kube-system', name));
    return leaseHealth(lease, now, `kube-system/${name}`);
  };
  const probes: Record<string, (now: Date) => Promise<Health>> = {
    scheduler: (now) => leaderOf('kube-scheduler', now),
    'controller-manager': (now) => leaderOf('kube-controller-manager', now),
    'etcd-0': async () => {
      try {
        await storage.check();
        return { healthy: true, message: 'ok', error: '' };
      } catch (e) {
        return { healthy: false, message: '', error: e instanceof Error ? e.message : String(e) };
      }
    },
  };
  const handler: CustomHandler = async function componentStatuses(s): Promise<ApiResponse> {
    s.ctx.warnings.push(deprecation);
    const strategy: Strategy = { resource: s.resource, validate: () => [], table: componentTable };
    const encode = { output: negotiate(headerValue(s.req.headers, 'accept')), strategy, includeObject: parseIncludeObject(s.info.query.get('includeObject')), now: s.now };
    const now = s.now();
    if (s.info.verb === 'get') {
      const probe = Object.prototype.hasOwnProperty.call(probes, s.info.urlName) ? probes[s.info.urlName] : undefined;
      if (!probe) throw errors.notFound({ group: '', resource: 'componentstatus' }, s.info.urlName);
      return objectResponse(200, componentStatus(s.info.urlName, await probe(now)), encode);
    }
    if (s.info.verb !== 'list') throw errors.methodNotAllowed(s.info.verb, { group: '', resource: 'componentstatuses' });
    const items = await Promise.all(Object.entries(probes).map(async ([name, probe]) => componentStatus(name, await probe(now))));
    return listResponse(s.resource, items, {}, encode);
  };
  api.registerResource('', 'componentstatuses', handler);
}
