// The image step of starting a container on a real node: pull policies, credentials from imagePullSecrets, and
// which pull failures an image already on the node may stand in for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { registryUnreachable, startContainer, StartError } from '../../../src/kubelet/container-start.js';
import { podSandboxConfig } from '../../../src/kubelet/pod-sync.js';
import { FakeRuntime } from '../../../src/kubelet/runtime/fake.js';
import type { ImageInfo, RegistryAuth, RuntimeService } from '../../../src/kubelet/runtime/types.js';
import { FakeApi, RecordingRecorder } from '../controllers/fake-client.js';

const image = 'registry.example:5000/team/app:v1';

function dockerConfig(name: string, type: string, key: string, value: unknown): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'ns' }, type, data: { [key]: Buffer.from(JSON.stringify(value)).toString('base64') } } as KubeObject;
}

function pod(policy: string | undefined, pullSecrets: string[] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'ns', uid: 'pod-uid' },
    spec: { nodeName: 'node-1', imagePullSecrets: pullSecrets.map((name) => ({ name })), containers: [{ name: 'app', image, ...(policy ? { imagePullPolicy: policy } : {}) }] },
  } as KubeObject;
}

/** A runtime that is not simulated: images come from `present` and pulls from `pull`; the rest is the fake's. */
function setup(o: { present: boolean; pull: (image: string, auth?: RegistryAuth) => Promise<string>; secrets?: KubeObject[] }) {
  const base = new FakeRuntime({ podCIDR: '10.244.3.0/24' });
  const pulls: { image: string; auth?: RegistryAuth }[] = [];
  const info: ImageInfo = { id: 'sha256:abc', repoTags: [image], repoDigests: [], size: 1 };
  const runtime = new Proxy(base, {
    get(target, prop) {
      if (prop === 'simulated') return false;
      if (prop === 'imageStatus') return async () => (o.present ? info : undefined);
      if (prop === 'pullImage')
        return (img: string, auth?: RegistryAuth) => {
          pulls.push({ image: img, ...(auth ? { auth } : {}) });
          return o.pull(img, auth);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as RuntimeService;
  const api = new FakeApi();
  api.seed('/api/v1/namespaces/ns/secrets', ...(o.secrets ?? []));
  const recorder = new RecordingRecorder();
  const run = async (p: KubeObject) => {
    const sandboxConfig = podSandboxConfig(p, {});
    const sandboxId = await base.createPodSandbox(sandboxConfig);
    const c = (p['spec'] as { containers: Record<string, unknown>[] }).containers[0] ?? {};
    return startContainer({ client: api, runtime, recorder, pod: p, sandboxId, sandboxConfig, now: () => 0 }, { name: 'app', image, spec: c }, 0);
  };
  return { run, pulls, recorder };
}

const refused = () => Promise.reject(new Error(`failed to pull and unpack image "${image}": failed to resolve reference "${image}": pulling from host registry.example:5000 failed with status code [manifests v1]: 401 Unauthorized`));
const offline = () => Promise.reject(new Error(`failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://registry.example:5000/v2/team/app/manifests/v1": dial tcp: lookup registry.example: no such host`));

test('policy Always: a registry that refuses is final even with the image on the node', async () => {
  const h = setup({ present: true, pull: refused });
  await assert.rejects(h.run(pod('Always')), (e: unknown) => e instanceof StartError && e.reason === 'ErrImagePull' && /401 Unauthorized/.test(e.message));
  assert.deepEqual(h.recorder.events.slice(0, 2), [`Normal Pulling web: Pulling image "${image}"`, `Warning Failed web: Failed to pull image "${image}": ${(await refused().catch((e: Error) => e)).message}`]);
});

test('policy Always: an unreachable registry leaves the image on the node in use', async () => {
  const h = setup({ present: true, pull: offline });
  assert.match(await h.run(pod('Always')), /^[0-9a-f]{64}$/);
  assert.ok(h.recorder.events.includes(`Normal Pulled web: Container image "${image}" already present on machine`), h.recorder.events.join('\n'));
  const absent = setup({ present: false, pull: offline });
  await assert.rejects(absent.run(pod('Always')), (e: unknown) => e instanceof StartError && e.reason === 'ErrImagePull');
});

test('policies IfNotPresent and Never with and without the image', async () => {
  const cached = setup({ present: true, pull: refused });
  await cached.run(pod('IfNotPresent'));
  assert.equal(cached.pulls.length, 0);
  const never = setup({ present: false, pull: refused });
  await assert.rejects(never.run(pod('Never')), (e: unknown) => e instanceof StartError && e.reason === 'ErrImageNeverPull' && e.message === `Container image "${image}" is not present with pull policy of Never`);
  assert.equal(never.pulls.length, 0);
  assert.deepEqual(never.recorder.events, [`Warning ErrImageNeverPull web: Container image "${image}" is not present with pull policy of Never`]);
});

test('each matching credential of the pod\'s pull secrets is tried in turn until a pull succeeds, without a server address', async () => {
  const secrets = [
    dockerConfig('other', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'other.example': { username: 'x', password: 'y' } } }),
    dockerConfig('wrong', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'https://registry.example:5000': { username: 'u', password: 'bad' } } }),
    dockerConfig('legacy', 'kubernetes.io/dockercfg', '.dockercfg', { 'registry.example:5000': { auth: Buffer.from('old:pw').toString('base64') } }),
    dockerConfig('team', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'registry.example:5000/team': { auth: Buffer.from('t:pw').toString('base64') } } }),
  ];
  // Only old:pw opens the registry: the more specific key (…/team) first, then the host's entries in the pod's order.
  const pull = async (_img: string, auth?: RegistryAuth) => (auth?.username === 'old' ? 'sha256:abc' : refused());
  const h = setup({ present: false, pull, secrets });
  await h.run(pod('Always', ['missing', 'other', 'wrong', 'legacy', 'team']));
  assert.deepEqual(h.pulls, [
    { image, auth: { username: 't', password: 'pw' } },
    { image, auth: { username: 'u', password: 'bad' } },
    { image, auth: { username: 'old', password: 'pw' } },
  ]);
  assert.ok(h.recorder.events.includes('Warning FailedToRetrieveImagePullSecret web: Unable to retrieve some image pull secrets (missing); attempting to pull the image may not succeed.'), h.recorder.events.join('\n'));
  assert.ok(h.recorder.events.includes(`Normal Pulled web: Successfully pulled image "${image}" in 0.000s`), h.recorder.events.join('\n'));
  const none = setup({ present: false, pull: async () => 'sha256:abc', secrets });
  await none.run(pod(undefined, ['other']));
  assert.deepEqual(none.pulls, [{ image }]);
});

test('when every credential fails, the pull fails with their errors, each distinct one once', async () => {
  const secrets = [
    dockerConfig('a', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'registry.example:5000': { username: 'a', password: '1' } } }),
    dockerConfig('b', 'kubernetes.io/dockerconfigjson', '.dockerconfigjson', { auths: { 'registry.example:5000': { username: 'b', password: '2' } } }),
  ];
  const same = setup({ present: false, pull: refused, secrets });
  const one = (await refused().catch((e: Error) => e)).message;
  await assert.rejects(same.run(pod('Always', ['a', 'b'])), (e: unknown) => e instanceof StartError && e.reason === 'ErrImagePull' && e.message === `Failed to pull image "${image}": ${one}`);
  assert.equal(same.pulls.length, 2);
  const differ = setup({ present: false, pull: (_i, auth) => Promise.reject(new Error(`denied to ${auth?.username}`)), secrets });
  await assert.rejects(differ.run(pod('Always', ['a', 'b'])), (e: unknown) => e instanceof StartError && e.message === `Failed to pull image "${image}": [denied to a, denied to b]`);
});

test('a pull secret that is not a docker config fails the pull after Pulling, as ErrImagePull', async () => {
  const broken = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken', namespace: 'ns' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{oops').toString('base64') } } as KubeObject;
  const h = setup({ present: false, pull: async () => 'sha256:abc', secrets: [broken] });
  await assert.rejects(h.run(pod('Always', ['broken'])), (e: unknown) => e instanceof StartError && e.reason === 'ErrImagePull' && /secret "broken" \.dockerconfigjson: /.test(e.message));
  assert.equal(h.pulls.length, 0);
  assert.equal(h.recorder.events[0], `Normal Pulling web: Pulling image "${image}"`);
  assert.match(h.recorder.events[1] ?? '', /^Warning Failed web: Failed to pull image "registry\.example:5000\/team\/app:v1": secret "broken"/);
});

test('registryUnreachable tells a failed connection from a registry\'s answer', () => {
  for (const m of ['dial tcp 127.0.0.1:5000: connect: connection refused', 'dial tcp: lookup registry-1.docker.io on 10.0.0.2:53: server misbehaving', 'read tcp 1.2.3.4:1->5.6.7.8:443: i/o timeout', 'net/http: TLS handshake timeout']) {
    assert.equal(registryUnreachable(new Error(m)), true, m);
  }
  for (const m of ['pulling from host r failed with status code [manifests v1]: 401 Unauthorized', 'unexpected status from HEAD request to https://r/v2/x/manifests/v1: 403 Forbidden', `failed to resolve reference "r/x:v1": r/x:v1: not found`]) {
    assert.equal(registryUnreachable(new Error(m)), false, m);
  }
});
