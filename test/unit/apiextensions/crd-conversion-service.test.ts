// A CRD conversion webhook reached through clientConfig.service, resolved as admission webhooks resolve Services:
// the Service's port, the EndpointSlice port of the same name, a ready address; the certificate names the Service.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from '../apiserver/helpers.js';
import { startWebhookServer, type WebhookServer } from '../admission/webhook/fixture.js';
import { established, type Obj } from './helpers.js';

let hook: WebhookServer;
let s: TestServer;

const schema = (field: string) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [field]: { type: 'string' } } } } } });

/** v1 calls the field `cronSpec`, v2 `schedule`. */
function convert(review: Obj): unknown {
  const to = review['request']['desiredAPIVersion'] as string;
  const objects = (review['request']['objects'] as Obj[]).map((o) => {
    const out = structuredClone(o);
    out['apiVersion'] = to;
    const spec = out['spec'] ?? {};
    const [from, into] = to.endsWith('/v2') ? ['cronSpec', 'schedule'] : ['schedule', 'cronSpec'];
    if (from in spec) {
      spec[into] = spec[from];
      delete spec[from];
    }
    return out;
  });
  return { apiVersion: review['apiVersion'], kind: 'ConversionReview', response: { uid: review['request']['uid'], convertedObjects: objects, result: { status: 'Success' } } };
}

const crd = () => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.svcconv.example.com' },
  spec: {
    group: 'svcconv.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
    versions: [{ name: 'v1', served: true, storage: true, schema: schema('cronSpec') }, { name: 'v2', served: true, storage: false, schema: schema('schedule') }],
    conversion: {
      strategy: 'Webhook',
      webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'webhooks', name: 'hook', path: '/convert', port: 443 }, caBundle: hook.caBundle } },
    },
  },
});

before(async () => {
  hook = await startWebhookServer();
  hook.answer = (r) => ({ body: convert(r) });
  s = await testServer();
  for (const ns of ['default', 'webhooks']) await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const svc = await s.call('POST', '/api/v1/namespaces/webhooks/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } });
  assert.equal(svc.status, 201, svc.text);
  assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd())).status, 201);
  await established(s, 'crontabs.svcconv.example.com');
});
after(async () => {
  await s.close();
  await hook.close();
});

const v1 = '/apis/svcconv.example.com/v1/namespaces/default/crontabs';
const v2 = '/apis/svcconv.example.com/v2/namespaces/default/crontabs';

test('without a ready endpoint the conversion fails with the resolver\'s text; with one it reaches the webhook', async () => {
  const failed = await s.call('POST', v2, { apiVersion: 'svcconv.example.com/v2', kind: 'CronTab', metadata: { name: 'a' }, spec: { schedule: '* * * * *' } });
  assert.equal(failed.status, 500, failed.text);
  assert.equal(failed.json()['message'], 'conversion webhook for svcconv.example.com/v2, Kind=CronTab failed: Post "https://hook.webhooks.svc:443/convert?timeout=30s": no endpoints available for service "hook"');

  // a not-ready endpoint is skipped; the ready one is dialled at the slice's port
  const port = Number(new URL(hook.url()).port);
  const slice = await s.call('POST', '/apis/discovery.k8s.io/v1/namespaces/webhooks/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'hook-1', labels: { 'kubernetes.io/service-name': 'hook' } },
    addressType: 'IPv4', ports: [{ name: 'https', port, protocol: 'TCP' }],
    endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready: false } }, { addresses: ['127.0.0.1'], conditions: { ready: true } }],
  });
  assert.equal(slice.status, 201, slice.text);
  hook.received.length = 0;
  const created = await s.call('POST', v2, { apiVersion: 'svcconv.example.com/v2', kind: 'CronTab', metadata: { name: 'a' }, spec: { schedule: '* * * * *' } });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json()['spec'], { schedule: '* * * * *' });
  assert.equal(hook.received[0]?.['request']['desiredAPIVersion'], 'svcconv.example.com/v1');
  assert.deepEqual(((await s.call('GET', `${v1}/a`)).json()['spec']), { cronSpec: '* * * * *' });
});
