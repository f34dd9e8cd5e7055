import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { NOW, create, strategy, update } from './helpers.js';

const pods = strategy('', 'v1', 'pods');

function pod(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'ns-1', creationTimestamp: '2024-05-01T11:45:00Z' }, spec, ...(status ? { status } : {}) };
}

test('pod defaults, create-time status and the serviceAccount mirror', () => {
  const { obj, errors } = create(
    pods,
    pod({
      serviceAccountName: 'k-sa-1',
      containers: [
        {
          name: 'nginx',
          image: 'nginx:latest',
          ports: [{ containerPort: 80 }],
          readinessProbe: { httpGet: { port: 80 } },
          resources: { limits: { cpu: '1', memory: '1Gi' } },
        },
        { name: 'side', image: 'busybox:1.36' },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'scratch' }],
    }, { phase: 'Running' }),
  );
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.enableServiceLinks, true);
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.serviceAccount, 'k-sa-1');
  const [nginx, side] = spec.containers as Record<string, unknown>[];
  assert.equal(nginx?.imagePullPolicy, 'Always');
  assert.equal(side?.imagePullPolicy, 'IfNotPresent');
  assert.equal(nginx?.terminationMessagePath, '/dev/termination-log');
  assert.equal(nginx?.terminationMessagePolicy, 'File');
  assert.deepEqual(nginx?.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(nginx?.readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual((nginx?.resources as Record<string, unknown>).requests, { cpu: '1', memory: '1Gi' });
  assert.deepEqual(side?.resources, {});
  assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'c', defaultMode: 420 } }, { name: 'scratch', emptyDir: {} }]);
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'Burstable' });
  assert.equal(obj.metadata.generation, 1);
});

const imagePolicy: [string, string][] = [
  ['nginx', 'Always'],
  ['nginx:latest', 'Always'],
  ['nginx:1.25', 'IfNotPresent'],
  ['registry:5000/nginx', 'Always'],
  ['nginx@sha256:abc', 'IfNotPresent'],
];
for (const [image, want] of imagePolicy) {
  test(`imagePullPolicy for ${image} is ${want}`, () => {
    const { obj } = create(pods, pod({ containers: [{ name: 'c', image }] }));
    assert.equal(((obj.spec as { containers: Record<string, unknown>[] }).containers[0])?.imagePullPolicy, want);
  });
}

const qos: [string, Record<string, unknown> | undefined, string][] = [
  ['no resources', undefined, 'BestEffort'],
  ['limits only (requests default to them)', { limits: { cpu: '500m', memory: '128Mi' } }, 'Guaranteed'],
  ['requests below limits', { requests: { cpu: '100m' }, limits: { cpu: '500m', memory: '128Mi' } }, 'Burstable'],
];
for (const [name, resources, want] of qos) {
  test(`qosClass: ${name} → ${want}`, () => {
    const { obj } = create(pods, pod({ containers: [{ name: 'c', image: 'x', ...(resources ? { resources } : {}) }] }));
    assert.equal((obj.status as Record<string, unknown>).qosClass, want);
  });
}

const invalid: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
  { name: 'no containers', spec: { containers: [] }, want: ['spec.containers: Required value'] },
  { name: 'no image', spec: { containers: [{ name: 'c' }] }, want: ['spec.containers[0].image: Required value'] },
  {
    name: 'duplicate container names',
    spec: { containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] },
    want: ['spec.containers[1].name: Duplicate value: "c"'],
  },
  {
    name: 'bad container name',
    spec: { containers: [{ name: 'C_1', image: 'x' }] },
    want: [
      `spec.containers[0].name: Invalid value: "C_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
  },
  {
    name: 'mount of a missing volume',
    spec: { containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
    want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
  },
  {
    name: 'duplicate volumes',
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] },
    want: ['spec.volumes[1].name: Duplicate value: "v"'],
  },
  {
    name: 'bad restartPolicy',
    spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] },
    want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
  },
  {
    name: 'port out of range',
    spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }] },
    want: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  },
  {
    name: 'requests above limits',
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
    want: ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
  },
];
for (const c of invalid) {
  test(`pod validation: ${c.name}`, () => assert.deepEqual(create(pods, pod(c.spec)).errors, c.want));
}

test('pod update: image may change, other spec fields may not; status is kept', () => {
  const { obj: old } = create(pods, pod({ containers: [{ name: 'c', image: 'nginx:1' }] }));
  old.metadata.uid = 'u';
  old.metadata.resourceVersion = '5';
  const newImage = structuredClone(old);
  (newImage.spec as { containers: Record<string, unknown>[] }).containers[0]!.image = 'nginx:2';
  newImage.status = { phase: 'Failed' };
  const ok = update(pods, newImage, old);
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.obj.status, old.status);
  assert.equal(ok.obj.metadata.generation, 2);

  const newPort = structuredClone(old);
  (newPort.spec as { containers: Record<string, unknown>[] }).containers[0]!.ports = [{ containerPort: 81 }];
  const bad = update(pods, newPort, old);
  assert.equal(bad.errors.length, 1);
  assert.ok(
    bad.errors[0]?.startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    bad.errors[0],
  );
});

test('pod status update keeps the spec', () => {
  const { obj: old } = create(pods, pod({ containers: [{ name: 'c', image: 'x' }] }));
  const next = structuredClone(old);
  next.spec = { containers: [] };
  next.status = { phase: 'Running' };
  pods.prepareForStatusUpdate?.(next, old);
  assert.deepEqual(next.spec, old.spec);
  assert.deepEqual(next.status, { phase: 'Running' });
});

const running = { state: { running: { startedAt: '2024-05-01T11:50:00Z' } }, ready: true, restartCount: 0, name: 'c' };
const statusCases: { name: string; pod: KubeObject; want: unknown[] }[] = [
  { name: 'pending, unscheduled', pod: pod({ containers: [{ name: 'c', image: 'x' }] }, { phase: 'Pending' }), want: ['web-0', '0/1', 'Pending', '0', '15m', '<none>', '<none>', '<none>', '<none>'] },
  {
    name: 'container creating',
    pod: pod({ nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] }, { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
    want: ['web-0', '0/1', 'ContainerCreating', '0', '15m', '<none>', 'n1', '<none>', '<none>'],
  },
  {
    name: 'running with an IP',
    pod: pod({ nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] }, { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }], containerStatuses: [running] }),
    want: ['web-0', '1/1', 'Running', '0', '15m', '10.244.0.5', 'n1', '<none>', '<none>'],
  },
  {
    name: 'crash loop with restarts',
    pod: pod({ containers: [{ name: 'c', image: 'x' }] }, {
      phase: 'Running',
      containerStatuses: [{ name: 'c', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:58:00Z' } } }],
    }),
    want: ['web-0', '0/1', 'CrashLoopBackOff', '4 (2m ago)', '15m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'init container running',
    pod: pod({ initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }], containers: [{ name: 'c', image: 'x' }] }, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'i2', ready: false, restartCount: 0, state: { running: {} } },
      ],
    }),
    want: ['web-0', '0/1', 'Init:1/2', '0', '15m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'init container failed',
    pod: pod({ initContainers: [{ name: 'i1', image: 'x' }], containers: [{ name: 'c', image: 'x' }] }, {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }],
    }),
    want: ['web-0', '0/1', 'Init:ExitCode:2', '0', '15m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'completed',
    pod: pod({ restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] }, { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
    want: ['web-0', '0/1', 'Completed', '0', '15m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'terminating',
    pod: { ...pod({ containers: [{ name: 'c', image: 'x' }] }, { phase: 'Running', containerStatuses: [running] }), metadata: { name: 'web-0', creationTimestamp: '2024-05-01T11:45:00Z', deletionTimestamp: '2024-05-01T11:59:00Z' } },
    want: ['web-0', '1/1', 'Terminating', '0', '15m', '<none>', '<none>', '<none>', '<none>'],
  },
];
for (const c of statusCases) {
  test(`pod table: ${c.name}`, () => {
    assert.equal(pods.table?.columns.length, 9);
    assert.deepEqual(pods.table?.cells(c.pod, NOW), c.want);
  });
}

test('pod field labels', () => {
  const labels = pods.fieldLabels?.(pod({ nodeName: 'n1', restartPolicy: 'Always', containers: [] }, { phase: 'Running', podIPs: [{ ip: '10.0.0.9' }] }));
  assert.equal(labels?.['spec.nodeName'], 'n1');
  assert.equal(labels?.['status.phase'], 'Running');
  assert.equal(labels?.['status.podIP'], '10.0.0.9');
  assert.equal(labels?.['spec.hostNetwork'], 'false');
});

test('pod tolerations are validated with Kubernetes\' texts', () => {
  const s = strategy('', 'v1', 'pods');
  const withTolerations = (tolerations: unknown[]) => create(s, { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }], tolerations } }).errors;
  assert.deepEqual(withTolerations([{ key: 'a', operator: 'Equal', value: 'b', effect: 'NoSchedule' }, { operator: 'Exists' }, { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]), []);
  assert.deepEqual(withTolerations([{ operator: 'Equal', value: 'x' }]), ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"']);
  assert.deepEqual(withTolerations([{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]), ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"]);
  assert.deepEqual(withTolerations([{ key: 'k', operator: 'In' }]), ['spec.tolerations[0].operator: Unsupported value: "In": supported values: "Equal", "Exists"']);
  assert.deepEqual(withTolerations([{ key: 'k', operator: 'Exists', effect: 'Sometimes' }]), ['spec.tolerations[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']);
});

test('probes and lifecycle hooks are validated with Kubernetes\' texts (grpc included)', () => {
  const s = strategy('', 'v1', 'pods');
  const errs = (c: Record<string, unknown>, init?: Record<string, unknown>) =>
    create(s, { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i', ...c }], ...(init ? { initContainers: [{ name: 'i', image: 'i', ...init }] } : {}) } }).errors;
  assert.deepEqual(errs({ livenessProbe: { grpc: { port: 9000, service: 'db' } }, readinessProbe: { grpc: { port: 9000 } }, startupProbe: { tcpSocket: { port: 'http' } } }), []);
  assert.deepEqual(errs({ livenessProbe: { grpc: { port: 70000 } } }), ['spec.containers[0].livenessProbe.grpc.port: Invalid value: 70000: must be between 1 and 65535, inclusive']);
  assert.deepEqual(errs({ readinessProbe: { periodSeconds: 5 } }), ['spec.containers[0].readinessProbe: Required value: must specify a handler type']);
  assert.deepEqual(errs({ readinessProbe: { grpc: { port: 1 }, exec: { command: ['true'] } } }), ['spec.containers[0].readinessProbe.grpc: Forbidden: may not specify more than 1 handler type']);
  assert.deepEqual(errs({ livenessProbe: { grpc: { port: 1 }, successThreshold: 2 } }), ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']);
  assert.deepEqual(errs({ readinessProbe: { exec: { command: [] }, initialDelaySeconds: -1, terminationGracePeriodSeconds: 5 } }), [
    'spec.containers[0].readinessProbe.exec.command: Required value',
    'spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
    'spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes',
  ]);
  assert.deepEqual(errs({ startupProbe: { httpGet: { port: 'Not_A_Name' } } }), [
    'spec.containers[0].startupProbe.httpGet.port: Invalid value: "Not_A_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  ]);
  assert.deepEqual(errs({ lifecycle: { preStop: {} } }), ['spec.containers[0].lifecycle.preStop: Required value: must specify a handler type']);
  assert.deepEqual(errs({}, { readinessProbe: { grpc: { port: 1 } } }), ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always']);
  assert.deepEqual(errs({}, { restartPolicy: 'Always', readinessProbe: { grpc: { port: 1 } } }), []);
});

test('a projected service-account token lives 10 minutes to 2^32 seconds and names its file (Kubernetes\' texts)', () => {
  const s = strategy('', 'v1', 'pods');
  const withToken = (token: Record<string, unknown>) =>
    create(s, { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: token }] } }] } }).errors;
  assert.deepEqual(withToken({ path: 'token' }), [], 'the default lifetime (3600 s) is valid');
  assert.deepEqual(withToken({ path: 'token', expirationSeconds: 600 }), []);
  assert.deepEqual(withToken({ path: 'token', expirationSeconds: 599 }), ['spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes']);
  assert.deepEqual(withToken({ path: 'token', expirationSeconds: 2 ** 32 + 1 }), ['spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds']);
  assert.deepEqual(withToken({ expirationSeconds: 3600 }), ['spec.volumes[0].projected.path: Required value']);
});
