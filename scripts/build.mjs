// Bundles the two executables into dist/ and copies the generated API data beside them.
import { build } from 'esbuild';
import { bundleConsole } from './console-bundle.mjs';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
await build({
  entryPoints: { 'a-kube': join(root, 'src/cmd/a-kube.ts'), 'a-kubectl': join(root, 'src/cmd/a-kubectl.ts') },
  outdir: join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Code behind dynamic import() goes into chunks of its own, so `a-kubectl version` does not load the API server.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
cpSync(join(root, 'src/api/generated'), join(root, 'dist/generated'), { recursive: true });
// The CRI proto, loaded at run time by the node agent's gRPC client.
mkdirSync(join(root, 'dist/cri'), { recursive: true });
cpSync(join(root, 'src/kubelet/cri/runtime-v1.proto'), join(root, 'dist/cri/runtime-v1.proto'));
// The KMS plugin API v2, loaded at run time by the KMS v2 encryption provider.
mkdirSync(join(root, 'dist/kms'), { recursive: true });
cpSync(join(root, 'src/storage/encryption/kms/kms-v2.proto'), join(root, 'dist/kms/kms-v2.proto'));
// etcd's protos, loaded at run time by the etcd storage client.
cpSync(join(root, 'src/storage/etcd/proto'), join(root, 'dist/etcd'), { recursive: true });
// The web console's browser bundle (preact, htm, cytoscape, dagre), served by `a-kube up` and `a-kube console`.
await bundleConsole(root);
