// The containerd configuration a-kube writes for the containerd it runs: everything (root, state, sockets,
// CNI configuration) under the data dir, so it never touches a system containerd's files.
import { join } from 'node:path';

export interface ContainerdPaths {
  /** DATA_DIR/containerd */
  dir: string;
  config: string;
  root: string;
  state: string;
  socket: string;
  ttrpcSocket: string;
  pidFile: string;
  log: string;
  /** Per-registry hosts.toml files (mirrors, plain-HTTP or self-signed registries): certs.d/<host[:port]>/hosts.toml. */
  registryConfig: string;
}

export function containerdPaths(dataDir: string): ContainerdPaths {
  const dir = join(dataDir, 'containerd');
  return {
    dir,
    config: join(dir, 'config.toml'),
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    ttrpcSocket: join(dir, 'containerd-ttrpc.sock'),
    pidFile: join(dir, 'containerd.pid'),
    registryConfig: join(dir, 'certs.d'),
    log: join(dataDir, 'containerd.log'),
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  sandboxImage: string;
  snapshotter: 'overlayfs' | 'native';
  cniBinDir: string;
  cniConfDir: string;
  /** Port of the CRI streaming server (exec/attach/port-forward URLs) on 127.0.0.1. */
  streamPort: number;
}

/**
 * The CRI runtime handlers a RuntimeClass may name on this node. Both run runc through the v2 shim:
 * - runc (the default, also for pods without a RuntimeClass): each container joins a new session keyring of its
 *   own (`_ses.<container id>`), as runc does by default.
 * - runc-nokeyring: runc with `--no-new-keyring` (the shim's NoNewKeyring option): containers keep the session
 *   keyring they inherit instead of getting one each. For kernels whose key quota (kernel.keys.maxkeys,
 *   maxbytes) runs out with many containers, or workloads that manage keys themselves; it isolates less, as
 *   such containers share the session keyring containerd runs with.
 */
export const runtimeHandlers = {
  runc: { NoNewKeyring: false },
  'runc-nokeyring': { NoNewKeyring: true },
} as const;

/** TOML basic string. */
function q(s: string): string {
  return JSON.stringify(s);
}

export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  return [
    `# Written by a-kube at every start; edits are overwritten. Registry settings go in ${o.paths.registryConfig}.`,
    'version = 2',
    `root = ${q(o.paths.root)}`,
    `state = ${q(o.paths.state)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
    '',
    '[grpc]',
    `  address = ${q(o.paths.socket)}`,
    '',
    '[ttrpc]',
    `  address = ${q(o.paths.ttrpcSocket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(o.paths.dir, 'opt'))}`,
    '',
    cri,
    `  sandbox_image = ${q(o.sandboxImage)}`,
    '  stream_server_address = "127.0.0.1"',
    `  stream_server_port = ${q(String(o.streamPort))}`,
    '  enable_selinux = false',
    // Not every host allows lowering oom_score_adj or has AppArmor; without these, sandboxes fail to start there.
    '  restrict_oom_score_adj = true',
    '  disable_apparmor = true',
    '  max_container_log_line_size = 16384',
    `  [plugins."io.containerd.grpc.v1.cri".containerd]`,
    `    snapshotter = ${q(o.snapshotter)}`,
    '    default_runtime_name = "runc"',
    ...Object.entries(runtimeHandlers).flatMap(([name, options]) => [
      `    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}]`,
      '      runtime_type = "io.containerd.runc.v2"',
      `      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${name}.options]`,
      '        SystemdCgroup = false',
      ...(options.NoNewKeyring ? ['        NoNewKeyring = true'] : []),
    ]),
    `  [plugins."io.containerd.grpc.v1.cri".registry]`,
    `    config_path = ${q(o.paths.registryConfig)}`,
    `  [plugins."io.containerd.grpc.v1.cri".cni]`,
    `    bin_dir = ${q(o.cniBinDir)}`,
    `    conf_dir = ${q(o.cniConfDir)}`,
    '    max_conf_num = 1',
    '',
  ].join('\n');
}
