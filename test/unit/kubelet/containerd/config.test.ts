import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdPaths, renderContainerdConfig } from '../../../../src/kubelet/containerd/config.js';

test('containerd config: every path under the data dir, the CRI plugin pointed at our pause image and CNI dirs', () => {
  const paths = containerdPaths('/data dir');
  const toml = renderContainerdConfig({ paths, sandboxImage: 'localhost/a-kube/pause:1', snapshotter: 'native', cniBinDir: '/usr/lib/cni', cniConfDir: '/data dir/cni/net.d', streamPort: 10350 });
  assert.match(toml, /^version = 2$/m);
  assert.match(toml, /^root = "\/data dir\/containerd\/root"$/m);
  assert.match(toml, /^state = "\/data dir\/containerd\/state"$/m);
  assert.match(toml, /^\[grpc\]\n {2}address = "\/data dir\/containerd\/containerd.sock"$/m);
  assert.match(toml, /sandbox_image = "localhost\/a-kube\/pause:1"/);
  assert.match(toml, /stream_server_address = "127.0.0.1"\n {2}stream_server_port = "10350"/);
  assert.match(toml, /snapshotter = "native"/);
  assert.match(toml, /runtime_type = "io.containerd.runc.v2"/);
  assert.match(toml, /bin_dir = "\/usr\/lib\/cni"\n {4}conf_dir = "\/data dir\/cni\/net.d"/);
  assert.equal(paths.log, '/data dir/containerd.log');
});

test('containerd config: two runc handlers, the second without a new session keyring per container', () => {
  const toml = renderContainerdConfig({ paths: containerdPaths('/d'), sandboxImage: 'p', snapshotter: 'native', cniBinDir: '/c', cniConfDir: '/n', streamPort: 1 });
  assert.match(toml, /default_runtime_name = "runc"\n/);
  const handler = (name: string) => new RegExp(`\\[plugins\\."io\\.containerd\\.grpc\\.v1\\.cri"\\.containerd\\.runtimes\\.${name}\\]\\n {6}runtime_type = "io\\.containerd\\.runc\\.v2"\\n {6}\\[plugins\\."io\\.containerd\\.grpc\\.v1\\.cri"\\.containerd\\.runtimes\\.${name}\\.options\\]\\n((?: {8}.*\\n)*)`);
  assert.equal(handler('runc').exec(toml)?.[1], '        SystemdCgroup = false\n');
  assert.equal(handler('runc-nokeyring').exec(toml)?.[1], '        SystemdCgroup = false\n        NoNewKeyring = true\n');
});
