import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { applyStrategicMergePatch, PatchError } from '../../../src/api/patch/index.js';

const podDef = 'io.k8s.api.core.v1.Pod';
const deployDef = 'io.k8s.api.apps.v1.Deployment';

function pod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'a', tier: 't' }, finalizers: ['f1', 'f2'] },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          args: ['--a', '--b'],
          env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
          ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/cfg' }],
        },
        { name: 'sidecar', image: 'side:1' },
      ],
      volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
      tolerations: [{ key: 'k1', operator: 'Exists' }],
    },
  };
}

/** The pod with `edit` applied to a copy: the expected result written as a change to the fixture. */
function podWith(edit: (spec: Required<Pod>['spec'], meta: Required<Pod>['metadata']) => void): unknown {
  const p = pod();
  edit(p.spec!, p.metadata!);
  return p;
}

const cases: { name: string; def?: string; doc?: () => unknown; patch: unknown; want: unknown }[] = [
  {
    name: 'containers merge by name; other containers and fields kept',
    patch: { spec: { containers: [{ name: 'sidecar', image: 'side:2' }] } },
    want: podWith((spec, meta) => (spec.containers[1]!.image = 'side:2')),
  },
  {
    // Kubernetes' order rule: items named by the patch come before server-only items unless the server
    // order relates them, so without $setElementOrder a new container lands first.
    name: 'a new container without $setElementOrder goes first',
    patch: { spec: { containers: [{ name: 'new', image: 'n' }] } },
    want: podWith((spec, meta) => spec.containers.unshift({ name: 'new', image: 'n' })),
  },
  {
    name: 'a new container with $setElementOrder goes where the order says',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }, { name: 'new' }], containers: [{ name: 'new', image: 'n' }] } },
    want: podWith((spec, meta) => spec.containers.push({ name: 'new', image: 'n' })),
  },
  {
    name: 'env merges by name',
    patch: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '20' }, { name: 'C', value: '3' }] }] } },
    want: podWith((spec, meta) => (spec.containers[0]!.env = [{ name: 'A', value: '1' }, { name: 'B', value: '20' }, { name: 'C', value: '3' }])),
  },
  {
    name: 'ports merge by containerPort',
    patch: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 443, name: 'https' }, { containerPort: 8080 }] }] } },
    want: podWith(
      (spec) => (spec.containers[0]!.ports = [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP', name: 'https' }, { containerPort: 8080 }]),
    ),
  },
  {
    name: 'volumeMounts merge by mountPath',
    patch: { spec: { containers: [{ name: 'app', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } },
    want: podWith((spec, meta) => (spec.containers[0]!.volumeMounts![0]!.readOnly = true)),
  },
  {
    name: 'volumes merge by name',
    patch: { spec: { volumes: [{ name: 'cfg', configMap: { name: 'c2' } }, { name: 'tmp', emptyDir: {} }] } },
    want: podWith((spec, meta) => {
      spec.volumes![1]!.configMap!.name = 'c2';
      spec.volumes!.push({ name: 'tmp', emptyDir: {} });
    }),
  },
  {
    name: '$patch: delete removes a list item',
    patch: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } },
    want: podWith((spec, meta) => spec.containers.pop()),
  },
  {
    name: '$patch: replace in a list replaces the list',
    patch: { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } },
    want: podWith((spec, meta) => (spec.containers = [{ name: 'only', image: 'o' }])),
  },
  {
    name: '$patch: replace in a map replaces the map',
    patch: { metadata: { labels: { $patch: 'replace', x: 'y' } } },
    want: podWith((spec, meta) => (meta.labels = { x: 'y' })),
  },
  {
    name: '$patch: delete in a map empties it',
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: podWith((spec, meta) => (meta.labels = {})),
  },
  {
    name: 'null deletes; nulls inside new values are dropped',
    patch: { metadata: { labels: { tier: null, new: 'v' }, annotations: { a: 'b', gone: null } } },
    want: podWith((spec, meta) => {
      meta.labels = { app: 'a', new: 'v' };
      meta.annotations = { a: 'b' };
    }),
  },
  {
    name: 'null deletes a field inside a merged list item',
    patch: { spec: { containers: [{ name: 'app', args: null }] } },
    want: podWith((spec, meta) => delete spec.containers[0]!.args),
  },
  {
    name: 'lists without a merge strategy are replaced',
    patch: { spec: { containers: [{ name: 'app', args: ['--c'] }], tolerations: [{ key: 'k2', operator: 'Exists' }] } },
    want: podWith((spec, meta) => {
      spec.containers[0]!.args = ['--c'];
      spec.tolerations = [{ key: 'k2', operator: 'Exists' }];
    }),
  },
  {
    name: 'merge lists of primitives are unioned, patch values first',
    patch: { metadata: { finalizers: ['f3', 'f1'] } },
    want: podWith((spec, meta) => (meta.finalizers = ['f3', 'f1', 'f2'])),
  },
  {
    name: '$deleteFromPrimitiveList removes values',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] } },
    want: podWith((spec, meta) => (meta.finalizers = ['f2'])),
  },
  {
    name: '$setElementOrder reorders a merged list',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }], containers: [{ name: 'app', image: 'app:2' }] } },
    want: podWith((spec, meta) => {
      spec.containers[0]!.image = 'app:2';
      spec.containers.reverse();
    }),
  },
  {
    name: '$setElementOrder with a deletion (kubectl apply removing a container)',
    patch: { spec: { '$setElementOrder/containers': [{ name: 'app' }], containers: [{ name: 'sidecar', $patch: 'delete' }] } },
    want: podWith((spec, meta) => spec.containers.pop()),
  },
  {
    name: '$setElementOrder of primitives',
    patch: { metadata: { '$setElementOrder/finalizers': ['f2', 'f1'] } },
    want: podWith((spec, meta) => (meta.finalizers = ['f2', 'f1'])),
  },
  {
    name: 'directives do not leak into new fields',
    doc: () => ({ metadata: { name: 'x' } }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'a', image: 'i', env: [{ name: 'gone', $patch: 'delete' }] }] } },
    want: { metadata: { name: 'x' }, spec: { containers: [{ name: 'a', image: 'i', env: [] }] } },
  },
  {
    name: 'Deployment: template containers merge by name',
    def: deployDef,
    doc: () => deployment('RollingUpdate'),
    patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } } },
    want: (() => {
      const d = deployment('RollingUpdate');
      d.spec!.template.spec!.containers[0]!.image = 'nginx:2';
      return d;
    })(),
  },
  {
    name: 'Deployment: $retainKeys clears what the new strategy does not keep',
    def: deployDef,
    doc: () => deployment('RollingUpdate'),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: (() => {
      const d = deployment('RollingUpdate');
      d.spec!.strategy = { type: 'Recreate' };
      return d;
    })(),
  },
  {
    name: 'unknown definition behaves as a JSON merge patch',
    def: 'io.example.v1.Unknown',
    doc: () => ({ spec: { containers: [{ name: 'a' }, { name: 'b' }], keep: 1 } }),
    patch: { spec: { containers: [{ name: 'c' }], drop: null } },
    want: { spec: { containers: [{ name: 'c' }], keep: 1 } },
  },
  {
    name: 'schemaless content (RawExtension) is replaced, not merged by key',
    def: 'io.k8s.api.apps.v1.ControllerRevision',
    doc: () => ({ data: { items: [{ name: 'a', v: 1 }] }, revision: 1 }),
    patch: { data: { items: [{ name: 'b' }] } },
    want: { data: { items: [{ name: 'b' }] }, revision: 1 },
  },
  { name: 'null patch changes nothing', patch: null, want: pod() },
];

function deployment(strategy: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'd' } },
      strategy: { type: strategy, rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'log', image: 'busybox' }] } },
    },
  };
}

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => {
    const doc = (c.doc ?? pod)();
    const before = structuredClone(doc);
    const patchBefore = structuredClone(c.patch);
    assert.deepEqual(applyStrategicMergePatch(doc, c.patch, c.def ?? podDef), c.want);
    assert.deepEqual(doc, before, 'document is not modified');
    assert.deepEqual(c.patch, patchBefore, 'patch is not modified');
  });
}

const errorCases: { name: string; doc?: () => unknown; patch: unknown; kind: PatchError['kind']; message: string }[] = [
  {
    name: 'list item without its merge key',
    patch: { spec: { containers: [{ image: 'x' }] } },
    kind: 'Unknown',
    message: 'map: map[image:x] does not contain declared merge key: name',
  },
  { name: 'unknown $patch in a map', patch: { metadata: { labels: { $patch: 'frob', a: 'b' } } }, kind: 'Unknown', message: 'unknown patch type: frob in map: map[$patch:frob a:b]' },
  { name: '$patch: merge in a list', patch: { spec: { containers: [{ $patch: 'merge' }] } }, kind: 'Unknown', message: 'merging lists cannot yet be specified in the patch' },
  { name: 'list of lists', doc: () => ({ metadata: { finalizers: [] } }), patch: { metadata: { finalizers: [['a']] } }, kind: 'Invalid', message: 'the server rejected our request due to an error in our request' },
  { name: 'mixed list', patch: { metadata: { finalizers: [1] } }, kind: 'Unknown', message: 'list element types are not identical: [[f1 f2] [1]]' },
  { name: '$retainKeys not a list', patch: { spec: { $retainKeys: 'x' } }, kind: 'BadRequest', message: 'invalid patch format of retainKeys' },
  { name: 'field outside $retainKeys', patch: { spec: { $retainKeys: ['volumes'], hostname: 'h' } }, kind: 'BadRequest', message: 'invalid patch format of retainKeys' },
  { name: 'malformed $setElementOrder key', patch: { spec: { $setElementOrderX: [] } }, kind: 'BadRequest', message: 'invalid patch format of setElementOrder list' },
  { name: 'patch is a list', patch: [], kind: 'BadRequest', message: 'json: cannot unmarshal array into Go value of type map[string]interface {}' },
];

for (const c of errorCases) {
  test(`strategic merge patch error: ${c.name}`, () => {
    assert.throws(
      () => applyStrategicMergePatch((c.doc ?? pod)(), c.patch, podDef),
      (e: unknown) => {
        assert.ok(e instanceof PatchError, String(e));
        assert.equal(e.kind, c.kind);
        assert.equal(e.message, c.message);
        return true;
      },
    );
  });
}
