// PV and PVC tables print capacities in Kubernetes' canonical form, whatever form they were written in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../../../src/api/catalog.js';
import { strategyFor } from '../../../src/registry/index.js';

test('PersistentVolume and PersistentVolumeClaim capacities are canonical in tables', () => {
  const now = new Date();
  const pv = strategyFor(findResource('', 'v1', 'persistentvolumes')!);
  const cells = pv.table!.cells({ metadata: { name: 'v' }, spec: { capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'] } }, now);
  assert.equal(cells[1], '1Gi');
  assert.equal(pv.table!.cells({ metadata: { name: 'v' }, spec: { capacity: { storage: '1500M' } } }, now)[1], '1500M');
  assert.equal(pv.table!.cells({ metadata: { name: 'v' }, spec: { capacity: { storage: '2000000k' } } }, now)[1], '2G');
  const pvc = strategyFor(findResource('', 'v1', 'persistentvolumeclaims')!);
  const c = pvc.table!.cells({ metadata: { name: 'c', namespace: 'd' }, spec: { volumeName: 'v' }, status: { phase: 'Bound', capacity: { storage: '2048Mi' } } }, now);
  assert.ok(c.includes('2Gi'), `cells: ${JSON.stringify(c)}`);
});
