// `npm run bench -- ssa [--ops N] [--rounds R]`: what field management costs.
// In one process, an API server on memory storage (the full handler chain, no network): the same change to a
// Deployment (a new image) sent as a merge patch and as a server-side apply of the whole manifest, and the same
// for a custom resource (its field types come from the CRD's schema: a list-map, a granular map); then the field
// manager alone (recording an update, applying a manifest) against the request it belongs to; and the bytes
// managedFields add to a stored object. Figures are medians over the rounds (µs per operation).
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createApiServer } from '../src/apiserver/api-server.js';
import type { ApiResponse } from '../src/apiserver/types.js';
import { createMemoryStorage } from '../src/storage/memory.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { builtinType, FieldManager, FieldSet, fieldElement, zeroObject } from '../src/api/managedfields/index.js';
import type { KubeObject } from '../src/api/object.js';

const { values: flags } = parseArgs({ options: { ops: { type: 'string' }, rounds: { type: 'string' } }, strict: true });
const ops = Number(flags.ops ?? 300);
const rounds = Number(flags.rounds ?? 5);

const allowAll: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };
const anyone: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'bench', groups: ['system:masters'] } }) };

async function drain(r: ApiResponse): Promise<string> {
  if (typeof r.body === 'string') return r.body;
  if (r.body instanceof Uint8Array) return Buffer.from(r.body).toString('utf8');
  let text = '';
  if (r.body) for await (const c of r.body) text += c;
  return text;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function deployment(name: string, image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name, tier: 'web' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: {
          containers: [
            { name: 'app', image, ports: [{ containerPort: 8080, name: 'http' }], env: [{ name: 'MODE', value: 'prod' }, { name: 'LEVEL', value: 'info' }], resources: { requests: { cpu: '100m', memory: '64Mi' } } },
            { name: 'sidecar', image: 'busybox:1.36', args: ['sleep', 'infinity'] },
          ],
        },
      },
    },
  };
}

const api = await createApiServer({ storage: createMemoryStorage(), authenticator: anyone, authorizer: allowAll });
const call = async (method: string, url: string, body: string, contentType: string): Promise<void> => {
  const r = await api.handle({ method, url, headers: { 'content-type': contentType, 'user-agent': 'bench/1.0' }, body });
  const text = await drain(r);
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text.slice(0, 300)}`);
};
await call('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'bench' } }), 'application/json');
const base = '/apis/apps/v1/namespaces/bench/deployments';
for (const kind of ['merge', 'apply']) {
  for (let i = 0; i < ops; i++) {
    const name = `${kind}-${i}`;
    if (kind === 'merge') await call('POST', base, JSON.stringify(deployment(name, 'app:0')), 'application/json');
    else await call('PATCH', `${base}/${name}?fieldManager=bench`, JSON.stringify(deployment(name, 'app:0')), 'application/apply-patch+yaml');
  }
}

async function timed(fn: (i: number) => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) await fn(i);
  return ((performance.now() - t0) * 1000) / ops;
}

const merge: number[] = [];
const apply: number[] = [];
for (let r = 1; r <= rounds; r++) {
  const image = `app:${r}`;
  merge.push(await timed((i) => call('PATCH', `${base}/merge-${i}`, JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'app', image }] } } } }), 'application/strategic-merge-patch+json')));
  apply.push(await timed((i) => call('PATCH', `${base}/apply-${i}?fieldManager=bench`, JSON.stringify(deployment(`apply-${i}`, image)), 'application/apply-patch+yaml')));
}

// The same change to a custom resource: a merge patch (strategic merge is refused for custom resources) and an
// apply of the whole manifest, typed by the CRD's schema.
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.bench.example.com' },
  spec: {
    group: 'bench.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: {
        replicas: { type: 'integer' },
        image: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' }, protocol: { type: 'string' } } } },
        args: { type: 'array', items: { type: 'string' } },
      } } } } },
    }],
  },
};
await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd), 'application/json');
const widgets = '/apis/bench.example.com/v1/namespaces/bench/widgets';
for (let served = false; !served; ) {
  served = (await api.handle({ method: 'GET', url: widgets, headers: {} })).status === 200;
  if (!served) await new Promise((r) => setTimeout(r, 10));
}
function widget(name: string, image: string): KubeObject {
  return {
    apiVersion: 'bench.example.com/v1', kind: 'Widget', metadata: { name, labels: { app: name } },
    spec: { replicas: 3, image, labels: { tier: 'web', team: 'a' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090 }], args: ['--mode=prod', '--level=info'] },
  };
}
for (let i = 0; i < ops; i++) {
  await call('POST', widgets, JSON.stringify(widget(`merge-${i}`, 'app:0')), 'application/json');
  await call('PATCH', `${widgets}/apply-${i}?fieldManager=bench`, JSON.stringify(widget(`apply-${i}`, 'app:0')), 'application/apply-patch+yaml');
}
const crMerge: number[] = [];
const crApply: number[] = [];
for (let r = 1; r <= rounds; r++) {
  const image = `app:${r}`;
  crMerge.push(await timed((i) => call('PATCH', `${widgets}/merge-${i}`, JSON.stringify({ spec: { image } }), 'application/merge-patch+json')));
  crApply.push(await timed((i) => call('PATCH', `${widgets}/apply-${i}?fieldManager=bench`, JSON.stringify(widget(`apply-${i}`, image)), 'application/apply-patch+yaml')));
}

// The field manager alone, on the stored objects of the runs above.
const stored = JSON.parse(await drain(await api.handle({ method: 'GET', url: `${base}/apply-0`, headers: {} }))) as KubeObject;
const merged = JSON.parse(await drain(await api.handle({ method: 'GET', url: `${base}/merge-0`, headers: {} }))) as KubeObject;
const fm = new FieldManager({
  type: builtinType('io.k8s.api.apps.v1.Deployment'),
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  ignored: FieldSet.of([fieldElement('status')]),
  zero: () => zeroObject('io.k8s.api.apps.v1.Deployment'),
});
const fmUpdate: number[] = [];
const fmApply: number[] = [];
for (let r = 1; r <= rounds; r++) {
  fmUpdate.push(
    await timed((i) => {
      const next = structuredClone(merged);
      ((next['spec'] as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!).image = `x:${r}-${i}`;
      fm.update(merged, next, 'bench');
    }),
  );
  fmApply.push(await timed((i) => void fm.apply(stored, deployment('apply-0', `x:${r}-${i}`) as unknown as Record<string, unknown>, 'bench', false)));
}

const { managedFields: mf, ...bareMeta } = stored.metadata;
const withBytes = JSON.stringify(stored).length;
const withoutBytes = JSON.stringify({ ...stored, metadata: bareMeta }).length;
const mergedMf = JSON.stringify(merged.metadata.managedFields ?? []).length;
await api.close();

const f = (n: number) => n.toFixed(0).padStart(7);
const out = [
  `server-side apply vs merge patch: one Deployment (2 containers), the image changed; ${ops} objects × ${rounds} rounds, in-process API server on memory storage`,
  `                                         median µs/op`,
  `strategic merge patch (Update entry)     ${f(median(merge))}`,
  `apply-patch of the whole manifest        ${f(median(apply))}   ratio to merge patch ${(median(apply) / median(merge)).toFixed(2)}×`,
  `field manager: record the update         ${f(median(fmUpdate))}   ${((median(fmUpdate) / median(merge)) * 100).toFixed(0)}% of the merge patch request`,
  `field manager: apply the manifest        ${f(median(fmApply))}   ${((median(fmApply) / median(apply)) * 100).toFixed(0)}% of the apply request`,
  `stored object ${withBytes} bytes, of which managedFields ${withBytes - withoutBytes} (apply entry); an object written by create + patch carries ${mergedMf} bytes of managedFields`,
  `(${mf ? (mf as unknown[]).length : 0} entries on the applied object)`,
  `the same change to a custom resource (Widget: a list-map, a granular map, an atomic list; typed by its CRD's schema)`,
  `merge patch (Update entry)               ${f(median(crMerge))}`,
  `apply-patch of the whole manifest        ${f(median(crApply))}   ratio to merge patch ${(median(crApply) / median(crMerge)).toFixed(2)}×`,
];
process.stdout.write(`${out.join('\n')}\n`);
