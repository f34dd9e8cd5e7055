import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { bootstrapTokenSecret } from '../../../src/api/bootstrap-token.js';
import { detachedSignatureValid } from '../../../src/api/detached-jws.js';
import { reconcileTokenSecret } from '../../../src/controllers/bootstrap/token-cleaner.js';
import { reconcileClusterInfo } from '../../../src/controllers/bootstrap/signer.js';
import { FakeApi } from './fake-client.js';
import type { Clock } from '../../../src/client/workqueue.js';

const secrets = '/api/v1/namespaces/kube-system/secrets';
const configmaps = '/api/v1/namespaces/kube-public/configmaps';
const now = Date.parse('2026-12-02T12:00:00Z');
const clock = { now: () => now, setTimer: () => () => {} } as unknown as Clock;
const token = (id: string, extra: Partial<Parameters<typeof bootstrapTokenSecret>[0]> = {}) =>
  bootstrapTokenSecret({ token: { id, secret: `${id}0123456789` }, expiresAt: new Date(now + 3600_000), usages: ['signing', 'authentication'], groups: [], ...extra });

test('token cleaner: an expired token is deleted with its UID as precondition; a later one is looked at when it expires', async () => {
  const api = new FakeApi();
  api.seed(secrets, token('aaaaaa', { expiresAt: new Date(now - 1000) }), token('bbbbbb'), token('cccccc', { expiresAt: undefined as unknown as Date }));
  const deps = { client: api, secrets: api.indexer(secrets), clock };
  assert.equal(await reconcileTokenSecret('kube-system/aaaaaa'.replace('aaaaaa', 'bootstrap-token-aaaaaa'), deps), undefined);
  assert.deepEqual(api.writes('delete').map((a) => [a.path, (a.body as { preconditions?: unknown }).preconditions]), [[`${secrets}/bootstrap-token-aaaaaa`, { uid: 'uid-bootstrap-token-aaaaaa' }]]);
  assert.deepEqual(await reconcileTokenSecret('kube-system/bootstrap-token-bbbbbb', deps), { requeueAfterMs: 3600_000 });
  assert.equal(await reconcileTokenSecret('kube-system/bootstrap-token-cccccc', deps), undefined);
  assert.equal(api.writes('delete').length, 1);
});

test('bootstrap signer: one signature per valid signing token, stale ones removed, nothing written when in step', async () => {
  const api = new FakeApi();
  const content = 'apiVersion: v1\nkind: Config\n';
  api.seed(configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: content, 'jws-kubeconfig-gone00': 'x..y' } });
  api.seed(
    secrets,
    token('aaaaaa'),
    token('bbbbbb', { usages: ['authentication'] }),
    token('cccccc', { expiresAt: new Date(now - 1) }),
    { ...token('dddddd'), type: 'Opaque' } as KubeObject,
  );
  const deps = () => ({ client: api, configMaps: api.indexer(configmaps), secrets: api.indexer(secrets), clock });
  const r = await reconcileClusterInfo(deps());
  assert.deepEqual(r, { requeueAfterMs: 3601_000 });
  const cm = api.objects.get(`${configmaps}/cluster-info`) as KubeObject;
  const data = cm['data'] as Record<string, string>;
  assert.deepEqual(Object.keys(data).sort(), ['jws-kubeconfig-aaaaaa', 'kubeconfig']);
  assert.equal(detachedSignatureValid(data['jws-kubeconfig-aaaaaa']!, content, 'aaaaaa', 'aaaaaa0123456789'), true);
  const writes = api.writes('update').length;
  await reconcileClusterInfo(deps());
  assert.equal(api.writes('update').length, writes);
});
