// CustomResourceDefinitions against a real `a-kube up`, driven by the real kubectl (1.32 and 1.27) and
// @kubernetes/client-node: apply a CRD with a schema, a status subresource and printer columns; create, get
// (columns), patch, watch and delete custom resources; validation errors and defaults as Kubernetes words them;
// `kubectl explain`; RBAC on a custom resource; deleting the CRD removes its resources; an operator written with
// client-node's informer that keeps a custom resource's status with server-side apply.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { hasKubectl, kubectl, kubectlBinary, startCluster, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;

before(async () => {
  if (skip) return;
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
});


const crdYaml = (group: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        description: A CronTab runs an image on a schedule.
        properties:
          spec:
            type: object
            description: What to run and when.
            properties:
              cronSpec:
                type: string
                description: The schedule in cron format.
              image:
                type: string
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
            required: [cronSpec]
          status:
            type: object
            properties:
              replicas:
                type: integer
`;

const crYaml = (group: string, name: string, extra = '') => `apiVersion: ${group}/v1
kind: CronTab
metadata:
  name: ${name}
spec:
  cronSpec: "* * * * */5"
  image: my-image
${extra}`;

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

test('kubectl 1.32 and 1.27: CRD apply, custom resources with columns, defaults, validation, explain, patch, delete', { skip }, async () => {
  const dir = cluster.dataDir;
  for (const [label, binary, group] of [['1.32', 'kubectl', 'stable.example.com'], ['1.27', kubectlBinary('1.27'), 'old.example.com']] as const) {
    if (!binary) continue;
    const crdFile = join(dir, `crd-${label}.yaml`);
    writeFileSync(crdFile, crdYaml(group));
    assert.match(ok(kubectl(cluster, ['apply', '-f', crdFile], { binary }), `${label} apply crd`), new RegExp(`customresourcedefinition.apiextensions.k8s.io/crontabs.${group.replace(/\./g, '\\.')} created`));
    ok(kubectl(cluster, ['wait', '--for=condition=Established', `crd/crontabs.${group}`, '--timeout=10s'], { binary }), `${label} wait established`);
    const crFile = join(dir, `cr-${label}.yaml`);
    writeFileSync(crFile, crYaml(group, 'my-cron'));
    assert.match(ok(kubectl(cluster, ['apply', '-f', crFile], { binary }), `${label} apply cr`), new RegExp(`crontab.${group.replace(/\./g, '\\.')}/my-cron created`));
    const table = ok(kubectl(cluster, ['get', `crontabs.${group}`], { binary }), `${label} get`);
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE\nmy-cron\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/, `${label}: ${table}`);
    const json = JSON.parse(ok(kubectl(cluster, ['get', `ct.${group}`, 'my-cron', '-o', 'json'], { binary }), `${label} get json`));
    assert.equal(json.spec.replicas, 1, 'defaulted');
    // validation errors as Kubernetes words them
    const badFile = join(dir, `bad-${label}.yaml`);
    writeFileSync(badFile, crYaml(group, 'bad', '  replicas: 20\n'));
    const bad = kubectl(cluster, ['apply', '-f', badFile], { binary });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, new RegExp(`The CronTab "bad" is invalid: spec.replicas: Invalid value: 20: spec.replicas in body should be less than or equal to 10`), bad.stderr);
    // explain reads the published schema
    const explain = ok(kubectl(cluster, ['explain', `crontabs.${group}.spec`], { binary }), `${label} explain`);
    assert.match(explain, /KIND:\s+CronTab/);
    assert.match(explain, /cronSpec\s+<string>.*-required-/s);
    assert.match(explain, /The schedule in cron format\./);
    // merge patch; strategic merge is refused with Kubernetes' text
    ok(kubectl(cluster, ['patch', `crontab.${group}`, 'my-cron', '--type=merge', '-p', '{"spec":{"image":"other"}}'], { binary }), `${label} patch`);
    const smp = kubectl(cluster, ['patch', `crontab.${group}`, 'my-cron', '-p', '{"spec":{"image":"x"}}'], { binary });
    assert.notEqual(smp.status, 0);
    assert.match(smp.stderr, /the body of the request was in an unknown format - accepted media types include: application\/json-patch\+json, application\/merge-patch\+json, application\/apply-patch\+yaml/);
    // the status subresource
    ok(kubectl(cluster, ['patch', `crontab.${group}`, 'my-cron', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2}}'], { binary: 'kubectl' }), `${label} patch status`);
    const after = JSON.parse(ok(kubectl(cluster, ['get', `crontab.${group}`, 'my-cron', '-o', 'json'], { binary }), 'get after'));
    assert.equal(after.spec.image, 'other');
    assert.equal(after.status.replicas, 2);
    assert.equal(after.metadata.generation, 2);
    // deleting the CRD removes its custom resources
    ok(kubectl(cluster, ['delete', '-f', crdFile], { binary }), `${label} delete crd`);
    const gone = kubectl(cluster, ['get', 'crontabs.' + group, '-A'], { binary });
    assert.notEqual(gone.status, 0, gone.stdout);
  }
});

test('kubectl 1.32: a CEL rule past the per-call cost limit refuses the custom resource with kube-apiserver\'s text', { skip }, async () => {
  const rule = 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))';
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sums.cost.example.com
spec:
  group: cost.example.com
  scope: Namespaced
  names: {plural: sums, singular: sum, kind: Sum}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              xs:
                type: array
                maxItems: 100
                items: {type: integer}
                x-kubernetes-validations:
                - rule: "${rule}"
`;
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: crd }), 'apply crd');
  ok(kubectl(cluster, ['wait', '--for=condition=Established', 'crd/sums.cost.example.com', '--timeout=10s']), 'wait');
  const cr = (name: string, n: number) => `apiVersion: cost.example.com/v1\nkind: Sum\nmetadata: {name: ${name}, namespace: default}\nspec:\n  xs: [${Array.from({ length: n }, (_, i) => i).join(', ')}]\n`;
  assert.match(ok(kubectl(cluster, ['apply', '-f', '-'], { input: cr('small', 20) }), 'small'), /sum.cost.example.com\/small created/);
  const heavy = kubectl(cluster, ['apply', '-f', '-'], { input: cr('heavy', 100) });
  assert.notEqual(heavy.status, 0);
  assert.equal(heavy.stderr.trim(), `The Sum "heavy" is invalid: spec.xs: Invalid value: "array": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${rule}`);
  ok(kubectl(cluster, ['delete', 'crd', 'sums.cost.example.com']), 'delete crd');
});

test('kubectl 1.32: a CRD whose rule\'s estimated cost passes the limit is refused; bounded by maxItems/maxLength it is served', { skip }, async () => {
  const crd = (bounds: string, itemBounds: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: tags.estimate.example.com
spec:
  group: estimate.example.com
  scope: Namespaced
  names: {plural: tags, singular: tag, kind: Tag}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              names:
                type: array${bounds}
                items: {type: string${itemBounds}}
                x-kubernetes-validations:
                - rule: "self.all(x, x.matches('^[a-z]+$'))"
                  message: names must be lower case
`;
  const refused = kubectl(cluster, ['apply', '-f', '-'], { input: crd('', '') });
  assert.notEqual(refused.status, 0);
  const hint = '(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)';
  const rule = 'spec.validation.openAPIV3Schema.properties[spec].properties[names].x-kubernetes-validations[0].rule';
  assert.equal(refused.stderr.trim(), [
    'The CustomResourceDefinition "tags.estimate.example.com" is invalid: ',
    `* ${rule}: Forbidden: estimated rule cost exceeds budget by factor of more than 100x ${hint}`,
    `* ${rule}: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
    `* spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x ${hint}`,
  ].join('\n'));
  assert.notEqual(kubectl(cluster, ['get', 'crd', 'tags.estimate.example.com']).status, 0, 'nothing was stored');
  ok(kubectl(cluster, ['apply', '-f', '-'], { input: crd('\n                maxItems: 16', ', maxLength: 63') }), 'bounded crd');
  ok(kubectl(cluster, ['wait', '--for=condition=Established', 'crd/tags.estimate.example.com', '--timeout=10s']), 'wait');
  const tag = (name: string, names: string) => `apiVersion: estimate.example.com/v1\nkind: Tag\nmetadata: {name: ${name}, namespace: default}\nspec: {names: [${names}]}\n`;
  assert.match(ok(kubectl(cluster, ['apply', '-f', '-'], { input: tag('ok', 'a, bc') }), 'ok tag'), /tag.estimate.example.com\/ok created/);
  const bad = kubectl(cluster, ['apply', '-f', '-'], { input: tag('bad', 'a, B') });
  assert.equal(bad.stderr.trim(), 'The Tag "bad" is invalid: spec.names: Invalid value: "array": names must be lower case');
  ok(kubectl(cluster, ['delete', 'crd', 'tags.estimate.example.com']), 'delete crd');
});

test('RBAC on a custom resource: an aggregated ClusterRole and kubectl auth can-i', { skip }, async () => {
  const group = 'rbac.example.com';
  const crdFile = join(cluster.dataDir, 'crd-rbac.yaml');
  writeFileSync(crdFile, crdYaml(group));
  ok(kubectl(cluster, ['apply', '-f', crdFile]), 'apply crd');
  ok(kubectl(cluster, ['wait', '--for=condition=Established', `crd/crontabs.${group}`, '--timeout=10s']), 'wait');
  // aggregated into the built-in "view" role through its aggregation label
  ok(kubectl(cluster, ['create', 'clusterrole', 'crontab-viewer', `--verb=get,list,watch`, `--resource=crontabs.${group}`]), 'role');
  ok(kubectl(cluster, ['label', 'clusterrole', 'crontab-viewer', 'rbac.authorization.k8s.io/aggregate-to-view=true']), 'label');
  ok(kubectl(cluster, ['create', 'rolebinding', 'dana-view', '--clusterrole=view', '--user=dana', '-n', 'default']), 'binding');
  await waitFor('aggregation', () => kubectl(cluster, ['auth', 'can-i', 'list', `crontabs.${group}`, '--as=dana', '-n', 'default']).stdout.trim() === 'yes');
  assert.equal(kubectl(cluster, ['auth', 'can-i', 'create', `crontabs.${group}`, '--as=dana', '-n', 'default']).stdout.trim(), 'no');
  const denied = kubectl(cluster, ['create', '-f', '-', '--as=dana', '-n', 'default'], { input: crYaml(group, 'x') });
  assert.match(denied.stderr, new RegExp(`crontabs.${group.replace(/\./g, '\\.')} is forbidden: User "dana" cannot create resource "crontabs" in API group "${group.replace(/\./g, '\\.')}" in the namespace "default"`));
  ok(kubectl(cluster, ['delete', '-f', crdFile]), 'delete crd');
});

test('@kubernetes/client-node: create, get, list, watch, patch, delete a custom resource', { skip }, async () => {
  const group = 'client.example.com';
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const body = k8s.loadYaml<k8s.V1CustomResourceDefinition>(crdYaml(group));
  await ext.createCustomResourceDefinition({ body });
  const deadline = Date.now() + 5000;
  for (;;) {
    const crd = await ext.readCustomResourceDefinition({ name: `crontabs.${group}` });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error('not established');
    await delay(50);
  }
  const events: string[] = [];
  const watch = new k8s.Watch(kc);
  let resolveDeleted!: () => void;
  const deleted = new Promise<void>((r) => (resolveDeleted = r));
  const req = await watch.watch(`/apis/${group}/v1/namespaces/default/crontabs`, {}, (phase, obj: { metadata?: { name?: string } }) => {
    events.push(`${phase} ${obj.metadata?.name}`);
    if (phase === 'DELETED') resolveDeleted();
  }, () => {});
  await custom.createNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', body: { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: 'c1' }, spec: { cronSpec: '* * * * *' } } });
  const got = await custom.getNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', name: 'c1' }) as { spec: { replicas: number } };
  assert.equal(got.spec.replicas, 1);
  await custom.patchNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', name: 'c1', body: { spec: { image: 'x' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  const list = await custom.listNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs' }) as { items: Array<{ spec: { image: string } }> };
  assert.deepEqual(list.items.map((i) => i.spec.image), ['x']);
  // the garbage collector treats custom resources as owners like built-in ones
  const owner = await custom.getNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', name: 'c1' }) as { metadata: { uid: string } };
  const core0 = kc.makeApiClient(k8s.CoreV1Api);
  await core0.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owned-by-c1', ownerReferences: [{ apiVersion: `${group}/v1`, kind: 'CronTab', name: 'c1', uid: owner.metadata.uid }] } } });
  await custom.deleteNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', name: 'c1' });
  await waitFor('the owned ConfigMap to be collected', () => kubectl(cluster, ['get', 'cm', 'owned-by-c1', '-n', 'default']).status !== 0, 30_000);
  await Promise.race([deleted, delay(10_000).then(() => { throw new Error(`watch saw ${events.join(', ')}`); })]);
  assert.deepEqual(events, ['ADDED c1', 'MODIFIED c1', 'DELETED c1']);
  req.abort();
  // namespace deletion removes the custom resources in it
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'cr-ns' } } });
  await custom.createNamespacedCustomObject({ group, version: 'v1', namespace: 'cr-ns', plural: 'crontabs', body: { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: 'in-ns' }, spec: { cronSpec: '* * * * *' } } });
  await core.deleteNamespace({ name: 'cr-ns' });
  await waitFor('namespace cr-ns gone', () => kubectl(cluster, ['get', 'ns', 'cr-ns']).status !== 0, 30_000);
  await ext.deleteCustomResourceDefinition({ name: `crontabs.${group}` });
});

test('@kubernetes/client-node: an operator (informer + server-side apply of the custom resource status) reconciles', { skip }, async () => {
  const group = 'operator.example.com';
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await ext.createCustomResourceDefinition({ body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(crdYaml(group)) });
  const deadline = Date.now() + 5000;
  for (;;) {
    const crd = await ext.readCustomResourceDefinition({ name: `crontabs.${group}` });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error('not established');
    await delay(50);
  }
  type CronTab = k8s.KubernetesObject & { spec: { replicas: number }; status?: { replicas?: number } };
  const path = `/apis/${group}/v1/namespaces/default/crontabs`;
  const informer = k8s.makeInformer<CronTab>(kc, path, () => custom.listNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs' }) as Promise<k8s.KubernetesListObject<CronTab>>);
  // the reconcile: status.replicas follows spec.replicas, written with server-side apply as the controller's manager
  const errors: unknown[] = [];
  const reconcile = (obj: CronTab) => {
    if (obj.status?.replicas === obj.spec.replicas) return;
    custom.patchNamespacedCustomObjectStatus(
      { group, version: 'v1', namespace: 'default', plural: 'crontabs', name: obj.metadata?.name ?? '', fieldManager: 'crontab-operator', force: true, body: { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: obj.metadata?.name }, status: { replicas: obj.spec.replicas } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    ).catch((e: unknown) => errors.push(e));
  };
  informer.on('add', reconcile);
  informer.on('update', reconcile);
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  try {
    await custom.createNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', body: { apiVersion: `${group}/v1`, kind: 'CronTab', metadata: { name: 'op' }, spec: { cronSpec: '* * * * *', replicas: 2 } } });
    const statusIs = async (n: number) => {
      const end = Date.now() + 15_000;
      for (;;) {
        const cached = informer.get('op', 'default');
        if (cached?.status?.replicas === n) return cached;
        assert.deepEqual(errors, []);
        if (Date.now() > end) throw new Error(`status.replicas never became ${n}: ${JSON.stringify(cached?.status)}`);
        await delay(100);
      }
    };
    await statusIs(2);
    await custom.patchNamespacedCustomObject({ group, version: 'v1', namespace: 'default', plural: 'crontabs', name: 'op', body: { spec: { replicas: 5 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    const settled = await statusIs(5);
    const entry = settled.metadata?.managedFields?.find((e) => e.manager === 'crontab-operator');
    assert.equal(entry?.operation, 'Apply');
    assert.equal(entry?.subresource, 'status');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  } finally {
    await informer.stop();
    await ext.deleteCustomResourceDefinition({ name: `crontabs.${group}` });
  }
});
