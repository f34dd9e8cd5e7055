import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { StatusError } from '../../../src/api/status.js';
import { defaultIngressClassAdmission } from '../../../src/admission/default-ingress-class.js';
import { mergeTolerations, runtimeClassAdmission } from '../../../src/admission/runtime-class.js';
import type { AdmissionReader } from '../../../src/admission/reader.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';

function reader(objects: KubeObject[]): AdmissionReader {
  return {
    list: async () => objects,
    get: async (_gr, _ns, name) => objects.find((c) => c.metadata.name === name),
  };
}

function req(group: string, resource: string, object: KubeObject): AdmissionRequest {
  return { operation: 'CREATE', resource: { group, version: 'v1', resource, kind: object.kind ?? '' }, subresource: '', namespace: 'ns', name: object.metadata.name ?? '', object, user: { name: 'u', groups: [] }, dryRun: false };
}

const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
const gvisor: KubeObject = {
  apiVersion: 'node.k8s.io/v1',
  kind: 'RuntimeClass',
  metadata: { name: 'gvisor' },
  handler: 'runsc',
  overhead: { podFixed: { cpu: '250m', memory: '64Mi' } },
  scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
};

async function refusal(p: Promise<void>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.status.code, 403);
    return e.status.message ?? "";
  }
  assert.fail('expected a refusal');
}

test('RuntimeClass: overhead and scheduling copied onto the pod; missing classes, contradicting selectors and foreign overheads refused', async () => {
  const plugin = runtimeClassAdmission({ reader: reader([gvisor]) });
  const ok = req('', 'pods', pod({ runtimeClassName: 'gvisor', nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'sandbox', operator: 'Equal', value: 'x', effect: 'NoSchedule' }] }));
  await plugin.admit?.(ok);
  const spec = ok.object['spec'] as Record<string, unknown>;
  assert.deepEqual(spec['overhead'], { cpu: '250m', memory: '64Mi' });
  assert.deepEqual(spec['nodeSelector'], { disk: 'ssd', sandbox: 'yes' });
  assert.deepEqual(spec['tolerations'], [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }], 'the class\'s wider toleration replaces the narrower one');

  assert.equal(await refusal(plugin.admit!(req('', 'pods', pod({ runtimeClassName: 'kata' })))), 'pods "p" is forbidden: pod rejected: RuntimeClass "kata" not found');
  assert.equal(await refusal(plugin.admit!(req('', 'pods', pod({ runtimeClassName: 'gvisor', nodeSelector: { sandbox: 'no' } })))), 'pods "p" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no');
  assert.equal(await refusal(plugin.admit!(req('', 'pods', pod({ runtimeClassName: 'gvisor', overhead: { cpu: '1' } })))), "pods \"p\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
  assert.equal(await refusal(plugin.admit!(req('', 'pods', pod({ overhead: { cpu: '1' } })))), 'pods "p" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  const hostile = req('', 'pods', pod({ runtimeClassName: 'gvisor', nodeSelector: JSON.parse('{"__proto__": "x"}') as Record<string, string> }));
  await plugin.admit?.(hostile);
  const selector = (hostile.object['spec'] as Record<string, unknown>)['nodeSelector'] as Record<string, unknown>;
  assert.deepEqual(Object.entries(selector), [['__proto__', 'x'], ['sandbox', 'yes']], '__proto__ stays a plain key');
  assert.equal(({} as Record<string, unknown>)['sandbox'], undefined);
});

test('mergeTolerations keeps the first of equal tolerations and drops those another one covers', () => {
  const exists = { key: 'k', operator: 'Exists' };
  const equal = { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' };
  const other = { key: 'o', operator: 'Exists' };
  assert.deepEqual(mergeTolerations([equal, other], [exists, other]), [other, exists]);
  const short = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
  const long = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
  assert.deepEqual(mergeTolerations([short], [long]), [long], 'a longer stay covers a shorter one');
  assert.deepEqual(mergeTolerations([{ operator: 'Exists' }], [equal, short]), [{ operator: 'Exists' }]);
});

test('DefaultIngressClass: the newest default class fills a missing class; a named class or the old annotation is kept', async () => {
  const ic = (name: string, created: string, isDefault: boolean): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) }, spec: { controller: 'x.io/y' } });
  const plugin = defaultIngressClassAdmission({ reader: reader([ic('old', '2024-01-01T00:00:00Z', true), ic('new', '2024-06-01T00:00:00Z', true), ic('newest-plain', '2025-01-01T00:00:00Z', false)]) });
  const ing = (spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'ns', ...(annotations ? { annotations } : {}) }, spec });
  const bare = req('networking.k8s.io', 'ingresses', ing({}));
  await plugin.admit?.(bare);
  assert.equal((bare.object['spec'] as Record<string, unknown>)['ingressClassName'], 'new');
  const named = req('networking.k8s.io', 'ingresses', ing({ ingressClassName: 'old' }));
  await plugin.admit?.(named);
  assert.equal((named.object['spec'] as Record<string, unknown>)['ingressClassName'], 'old');
  const annotated = req('networking.k8s.io', 'ingresses', ing({}, { 'kubernetes.io/ingress.class': 'traefik' }));
  await plugin.admit?.(annotated);
  assert.equal((annotated.object['spec'] as Record<string, unknown>)['ingressClassName'], undefined);
});
