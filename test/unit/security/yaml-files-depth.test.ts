// YAML that a-kube reads from files and from the cluster's answers (audit policy, encryption configuration,
// kubeconfigs, cluster-info, manifests, patches) is held to the same nesting bound as request bodies: a text nested
// 20,000 levels deep is refused with a message that says so, before the YAML parser recurses into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../../../src/audit/policy.js';
import { parseEncryptionConfig } from '../../../src/storage/encryption/config.js';
import { clusterOfKubeconfig } from '../../../src/kubelet/join/discovery.js';
import { joinCommand } from '../../../src/cmd/token-command.js';
import { editKubeconfigServers } from '../../../src/cluster/admin-kubeconfig.js';
import { loadKubeconfig, type Kubeconfig } from '../../../src/client/kubeconfig.js';
import { setContext } from '../../../src/client/kubeconfig-write.js';
import { parseKubeYaml } from '../../../src/client/yaml.js';
import { parseManifestText } from '../../../src/cli/manifests.js';
import type { KubeObject } from '../../../src/api/object.js';

const levels = 20_000;
const deep = `apiVersion: v1\nkind: Config\nclusters: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
const tooDeep = /nested more than 1000 levels deep/;

function withFile<T>(text: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-yaml-depth-'));
  try {
    const path = join(dir, 'file.yaml');
    writeFileSync(path, text, { mode: 0o600 });
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withFileAsync<T>(text: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-yaml-depth-'));
  try {
    const path = join(dir, 'file.yaml');
    writeFileSync(path, text, { mode: 0o600 });
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: { name: string; run: () => Promise<unknown> }[] = [
  { name: 'audit policy file', run: async () => parsePolicy(deep, 'policy.yaml') },
  { name: 'encryption configuration file', run: async () => parseEncryptionConfig(deep, 'encryption.yaml') },
  { name: 'cluster-info kubeconfig a joining node fetches', run: async () => clusterOfKubeconfig(deep) },
  {
    name: 'cluster-info read by `a-kube token create --print-join-command`',
    run: () => {
      const clusterInfo: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: deep } };
      return joinCommand({ get: async <T,>() => clusterInfo as T }, 'abcdef.0123456789abcdef');
    },
  },
  {
    name: 'admin kubeconfig whose server list a-kube edits',
    run: async () => {
      const r = withFile(deep, (path) => editKubeconfigServers(path, { add: ['https://127.0.0.1:6443'] }));
      if (r.kind === 'refused') throw new Error(r.reason);
      return r;
    },
  },
  { name: "the CLI's kubeconfig", run: () => withFileAsync(deep, (path) => loadKubeconfig({ explicitPath: path })) },
  {
    name: "the CLI's kubeconfig, edited in place",
    run: () =>
      withFileAsync(deep, (path) => {
        const kc: Kubeconfig = { files: [path], writeTarget: path, currentContext: '', clusters: new Map(), contexts: new Map(), users: new Map(), preferences: {} };
        return setContext(kc, 'c', {});
      }),
  },
  { name: 'a manifest given to the CLI', run: () => parseManifestText(deep, 'manifest.yaml') },
  { name: 'a patch given to the CLI', run: () => parseKubeYaml(deep) },
];

for (const c of cases) {
  test(`${c.name}: refused when nested ${levels} deep`, async () => {
    await assert.rejects(c.run(), tooDeep);
  });
}

test('ordinary texts still parse', async () => {
  assert.equal(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n').rules.length, 1);
  assert.deepEqual(await parseKubeYaml('a: [1, {b: [2]}]\n'), { a: [1, { b: [2] }] });
  assert.equal((await parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n', 'cm.yaml')).length, 1);
});
