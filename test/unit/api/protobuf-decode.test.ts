import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf, isProtobufContentType, ProtobufDecodeError } from '../../../src/api/protobuf/index.js';

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** A length-delimited field (short payloads only). */
const ld = (field: number, data: Uint8Array): Uint8Array => Buffer.concat([Uint8Array.from([(field << 3) | 2, data.length]), data]);
const none = new Uint8Array();
/** A hand-built `k8s\0` + runtime.Unknown envelope; `raw` is given as hex. */
function envelope(apiVersion: string, kind: string, raw?: string, trailer = ''): Uint8Array {
  const typeMeta = Buffer.concat([apiVersion ? ld(1, Buffer.from(apiVersion)) : none, kind ? ld(2, Buffer.from(kind)) : none]);
  return Buffer.concat([hex('6b387300'), ld(1, typeMeta), raw === undefined ? none : ld(2, hex(raw)), hex(trailer)]);
}
const roundTrip = (obj: Record<string, unknown>): Record<string, unknown> => decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)).object;

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    namespace: 'x',
    creationTimestamp: '2024-05-01T10:00:00Z',
    labels: { app: 'p' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true, blockOwnerDeletion: false }],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }],
  },
  spec: {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 0,
    enableServiceLinks: false,
    securityContext: { runAsUser: 0, runAsNonRoot: false },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }],
    volumes: [
      { name: 'cm', configMap: { name: 'c', defaultMode: 0, optional: false } },
      { name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } },
    ],
    containers: [{
      name: 'c',
      image: 'nginx',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'a' } } }],
      resources: { limits: { cpu: '500m', memory: '1Gi' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
      readinessProbe: { tcpSocket: { port: 8080 } },
    }],
  },
  status: { phase: 'Running', startTime: '2024-05-01T10:00:01Z' },
};

const cases: { name: string; object: Record<string, unknown> }[] = [
  { name: 'a Pod: pointer zeros kept, inlined volume source and probe handler, IntOrString, Quantity, Time, FieldsV1', object: pod },
  {
    name: 'a Deployment with replicas 0 and a pointer IntOrString maxUnavailable 0',
    object: {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
      spec: { replicas: 0, revisionHistoryLimit: 0, selector: { matchLabels: { app: 'd' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    },
  },
  {
    name: 'a Service with a named targetPort and a pointer ipFamilyPolicy',
    object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ipFamilyPolicy: 'SingleStack', selector: { app: 's' } } },
  },
  {
    name: 'a TokenReview status with extra values (a []string map value)',
    object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token: 't', audiences: ['a', 'b'] },
      status: { authenticated: true, user: { username: 'u', groups: ['g'], extra: { scopes: ['x', 'y'] } } } },
  },
  {
    name: 'a Lease with MicroTime and pointer zeros',
    object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: '', leaseDurationSeconds: 15, leaseTransitions: 0, renewTime: '2024-05-01T10:00:00.250000Z' } },
  },
  {
    name: 'a ControllerRevision with RawExtension data',
    object: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 2, data: { spec: { template: { metadata: { labels: { a: 'b' } } } } } },
  },
  {
    name: 'a Secret with binary data (base64, as JSON)',
    object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', immutable: false, data: { bin: Buffer.from([0, 1, 2, 255]).toString('base64'), empty: '' } },
  },
  {
    name: 'DeleteOptions sent under a group version (meta kinds decode from any apiVersion)',
    object: { apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u-1' } },
  },
  {
    name: 'an Eviction carrying DeleteOptions',
    object: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'x' }, deleteOptions: { gracePeriodSeconds: 30 } },
  },
  {
    name: 'a Job with parallelism 0 and suspend false',
    object: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { parallelism: 0, backoffLimit: 0, suspend: false, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 0'] }] } } } },
  },
  {
    name: 'an EndpointSlice with pointer conditions false',
    object: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: false } }], ports: [{ name: '', port: 80, protocol: 'TCP' }] },
  },
];

for (const c of cases) {
  test(`round trip: ${c.name}`, () => {
    assert.deepEqual(roundTrip(c.object), c.object);
  });
}

test('non-pointer zeros written by Go clients decode as absent', () => {
  const decoded = roundTrip({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', generation: 0, resourceVersion: '' }, data: { a: '' } });
  // The encoder, like Go, wrote every ObjectMeta string and `generation`; only `name` survives. Map values stay.
  assert.deepEqual(decoded, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '' } });
});

test('an explicit non-pointer zero such as imagePullPolicy "" is dropped, a pointer false is kept', () => {
  const decoded = roundTrip({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, automountServiceAccountToken: false });
  assert.equal(decoded['automountServiceAccountToken'], false);
  const pod2 = roundTrip({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: '', stdin: false }] } });
  assert.deepEqual(pod2['spec'], { containers: [{ name: 'c', image: 'i' }] });
});

test('unknown fields are skipped', () => {
  // Namespace raw = field 99 (varint 1) followed by metadata {name: "x"}.
  const body = envelope('v1', 'Namespace', '98 06 01  0a 04 0a 02 7878');
  assert.deepEqual(decodeKubernetesProtobuf(body).object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'xx' } });
});

test('unpacked and packed repeated int32 both decode', () => {
  const unpacked = roundTrip({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { securityContext: { supplementalGroups: [1, 2, 3000] } } });
  assert.deepEqual(unpacked['spec'], { securityContext: { supplementalGroups: [1, 2, 3000] } });
  // The same field packed: Pod.spec(2) > securityContext(14) > supplementalGroups(4, length-delimited) [1, 2].
  const body = envelope('v1', 'Pod', '12 06 72 04 22 02 01 02');
  assert.deepEqual(decodeKubernetesProtobuf(body).object, { apiVersion: 'v1', kind: 'Pod', spec: { securityContext: { supplementalGroups: [1, 2] } } });
});

const refused: { name: string; body: Uint8Array; message: RegExp }[] = [
  { name: 'no magic prefix', body: hex('7b7d'), message: /does not start with/ },
  { name: 'JSON body', body: Buffer.from('{"kind":"Namespace"}'), message: /does not start with/ },
  { name: 'unknown kind', body: envelope('v1', 'Widget', ''), message: /no kind "Widget" is registered for version "v1"/ },
  { name: 'unknown version', body: envelope('apps/v99', 'Deployment', ''), message: /no kind "Deployment" is registered for version "apps\/v99"/ },
  { name: 'missing kind', body: envelope('v1', '', ''), message: /Kind' is missing/ },
  { name: 'missing apiVersion', body: envelope('', 'Namespace', ''), message: /apiVersion' is missing/ },
  { name: 'gzip contentEncoding', body: envelope('v1', 'Namespace', '', '1a04 677a6970'), message: /contentEncoding "gzip"/ },
  { name: 'truncated envelope', body: Buffer.concat([envelope('v1', 'Namespace'), hex('12 05 0a 08')]), message: /past the end/ },
  { name: 'truncated message inside raw', body: envelope('v1', 'Namespace', '0a 05 0a 08'), message: /past the end/ },
  { name: 'wrong wire type for metadata', body: envelope('v1', 'Namespace', '0801'), message: /Namespace\.metadata: wire type 0/ },
];
for (const c of refused) {
  test(`refused with a clear error: ${c.name}`, () => {
    assert.throws(() => decodeKubernetesProtobuf(c.body), (err: unknown) => err instanceof ProtobufDecodeError && c.message.test(err.message));
  });
}

const contentTypes: [string, boolean][] = [
  ['application/vnd.kubernetes.protobuf', true],
  ['application/vnd.kubernetes.protobuf; charset=utf-8', true],
  ['Application/VND.Kubernetes.Protobuf', true],
  ['application/vnd.kubernetes.protobuf;stream=watch', true],
  ['application/json', false],
  ['application/vnd.kubernetes.protobuf+json', false],
  ['', false],
];
for (const [ct, expected] of contentTypes) {
  test(`isProtobufContentType(${JSON.stringify(ct)}) is ${expected}`, () => assert.equal(isProtobufContentType(ct), expected));
}
