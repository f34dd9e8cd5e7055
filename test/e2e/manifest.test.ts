// Issue 10's multi-document manifest: every group a user's manifests reach for (apps, core, networking.k8s.io,
// policy, autoscaling/v2, storage.k8s.io, scheduling.k8s.io, node.k8s.io) applied in one go with the real kubectl
// 1.32 and 1.27, printed with Kubernetes' columns, applied again unchanged, then pruned by label without an allow-list.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, kubectl, kubectlBinary, hasKubectl, type Cluster, ok } from './harness.js';

let cluster: Cluster;
const skip = hasKubectl ? false : 'kubectl is not installed';

before(async () => {
  if (hasKubectl) cluster = await startCluster({ args: ['--runtime', 'fake'] });
});
after(async () => {
  await cluster?.cleanup();
});


/** One application's manifest; `s` keeps two copies (one per kubectl) apart. */
function manifest(s: string, without: string[] = []): string {
  const docs: Record<string, string> = {
    Namespace: `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop${s}, labels: {app: shop${s}}}`,
    Deployment: `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]}`,
    Service: `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec: {selector: {app: web}, ports: [{port: 80}]}`,
    ConfigMap: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop${s}, labels: {app: shop${s}}}\ndata: {mode: shop}`,
    Ingress: `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec:\n  rules: [{host: shop${s}.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]`,
    NetworkPolicy: `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {}}]}]}`,
    PodDisruptionBudget: `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec: {minAvailable: 1, selector: {matchLabels: {app: web}}}`,
    HorizontalPodAutoscaler: `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop${s}, labels: {app: shop${s}}}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 5\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]`,
    StorageClass: `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast${s}, labels: {app: shop${s}}}\nprovisioner: a-kube.io/local-path`,
    PriorityClass: `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high${s}, labels: {app: shop${s}}}\nvalue: 1000`,
    RuntimeClass: `apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: plain${s}, labels: {app: shop${s}}}\nhandler: runc`,
  };
  return Object.entries(docs).filter(([kind]) => !without.includes(kind)).map(([, d]) => d).join('\n---\n');
}

const headers: [string, RegExp][] = [
  ['ingress', /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/],
  ['networkpolicy', /^NAME\s+POD-SELECTOR\s+AGE$/],
  ['pdb', /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/],
  ['hpa', /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/],
  // the walkthrough's columns (src/registry/workload-tables.ts)
  ['deployment', /^NAME\s+DESIRED\s+CURRENT\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/],
];
const clusterHeaders: [string, RegExp][] = [
  ['storageclass', /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/],
  ['priorityclass', /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/],
  ['runtimeclass', /^NAME\s+HANDLER\s+AGE$/],
];

for (const version of ['1.32', '1.27']) {
  test(`kubectl ${version}: a manifest of every group applies, prints Kubernetes' columns, re-applies unchanged and prunes by label`, { skip }, () => {
    const binary = version === '1.32' ? 'kubectl' : kubectlBinary(version);
    if (!binary) return;
    const s = version.replace('.', '');
    const run = (args: string[], input?: string) => kubectl(cluster, args, { binary, ...(input !== undefined ? { input } : {}) });

    const first = ok(run(['apply', '-f', '-'], manifest(s)), 'apply');
    assert.equal(first.trim().split('\n').length, 11, first);
    assert.ok(first.trim().split('\n').every((l) => l.endsWith(' created')), first);
    for (const [kind, header] of headers) {
      const out = ok(run(['get', kind, '-n', `shop${s}`]), `get ${kind}`).split('\n');
      assert.match(out[0] ?? '', header, `${kind} columns`);
      assert.match(out[1] ?? '', /^web\s/, `${kind} row`);
    }
    for (const [kind, header] of clusterHeaders) {
      const out = ok(run(['get', kind, '-l', `app=shop${s}`]), `get ${kind}`).split('\n');
      assert.match(out[0] ?? '', header, `${kind} columns`);
      assert.equal(out.filter((l) => l !== '').length, 2, `${kind}: one labelled object`);
    }
    // kubectl always re-sends a PodDisruptionBudget's selector (its patch strategy is "replace"), so it reports
    // that one as configured against kube-apiserver too; everything else is unchanged.
    const again = ok(run(['apply', '-f', '-'], manifest(s)), 'apply again');
    assert.ok(again.trim().split('\n').every((l) => l.endsWith(' unchanged') || l === 'poddisruptionbudget.policy/web configured'), again);

    // Without an allow-list kubectl prunes its default kinds: the Service, ConfigMap and Ingress dropped from the
    // manifest go, everything else stays.
    const pruned = run(['apply', '--prune', '-l', `app=shop${s}`, '-f', '-'], manifest(s, ['Service', 'ConfigMap', 'Ingress']));
    ok(pruned, 'apply --prune');
    for (const gone of ['service/web pruned', 'configmap/settings pruned', 'ingress.networking.k8s.io/web pruned']) assert.match(pruned.stdout, new RegExp(`^${gone.replace(/[./]/g, '\\$&')}$`, 'm'));
    assert.equal(run(['get', 'service', 'web', '-n', `shop${s}`]).status, 1, 'the pruned Service is gone');
    ok(run(['get', 'pdb,hpa,networkpolicy,deployment', 'web', '-n', `shop${s}`]), 'the rest stays');
  });
}
