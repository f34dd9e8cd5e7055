// A containerd of the test's own (config, root, state and socket in a temp dir), with a busybox image and a pause
// image imported, and pods on the host network (no CNI needed). Stops every sandbox, containerd and its mounts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../../src/kubelet/cri/index.js';
import { buildBusyboxImage, busyboxPath, pauseCommand } from './busybox-image.js';

export const busyboxImage = 'docker.io/library/akube-busybox:test';
export const pauseImage = 'docker.io/library/akube-pause:test';

/** Why the fixture cannot run here, or undefined when it can. */
export function containerdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'containers need root';
  for (const bin of ['containerd', 'ctr', 'runc']) if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  if (!existsSync(busyboxPath)) return 'busybox-static is not installed';
  return undefined;
}

export interface PodSpec {
  namespace: string;
  name: string;
  uid: string;
  container: string;
  command: string[];
  stdin?: boolean;
  tty?: boolean;
}

export interface ContainerdFixture {
  dir: string;
  cri: CriClient;
  /** Runs a sandbox (host network) with one container; resolves with their ids once it is running. */
  runPod(p: PodSpec): Promise<{ sandboxId: string; containerId: string; logPath: string }>;
  stop(): Promise<void>;
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m]);
}

/** cniConfDir: where containerd reads its CNI network (default: an empty directory of its own, host network only). */
export async function startContainerd(o: { cniConfDir?: string } = {}): Promise<ContainerdFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'akube-ctd-'));
  const sock = join(dir, 'containerd.sock');
  const cniConfDir = o.cniConfDir ?? join(dir, 'cni');
  mkdirSync(cniConfDir, { recursive: true });
  writeFileSync(join(dir, 'config.toml'), [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    '[grpc]',
    `  address = "${sock}"`,
    '[ttrpc]',
    `  address = "${sock}.ttrpc"`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${pauseImage}"`,
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    // inside a container a process may not lower its own OOM score: keep the sandbox's where it is
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = "${cniConfDir}"`,
    '',
  ].join('\n'));
  let output = '';
  const child: ChildProcess = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const cri = new CriClient({ endpoint: sock, timeoutMs: 60_000 });
  const stop = async () => {
    try {
      for (const s of await cri.listPodSandbox()) {
        await cri.stopPodSandbox(s.id).catch(() => {});
        await cri.removePodSandbox(s.id).catch(() => {});
      }
    } catch {
      // containerd is already gone
    }
    cri.close();
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      if (existsSync(sock) && (await cri.version().then(() => true, () => false))) break;
      if (i > 100 || child.exitCode !== null) throw new Error(`containerd did not start:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const [ref, cmd] of [[busyboxImage, ['/bin/sh']], [pauseImage, pauseCommand]] as const) {
      const archive = join(dir, `${ref.replace(/\W+/g, '_')}.tar`);
      buildBusyboxImage(archive, ref, [...cmd]);
      const r = spawnSync('ctr', ['-a', sock, '-n', 'k8s.io', 'images', 'import', archive], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ctr images import: ${r.stderr}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    cri,
    async runPod(p) {
      const logDir = join(dir, 'pod-logs', `${p.namespace}_${p.name}_${p.uid}`);
      const hostNetwork = { linux: { security_context: { namespace_options: { network: 'NODE' as const } } } };
      const sandboxConfig = { metadata: { name: p.name, namespace: p.namespace, uid: p.uid, attempt: 0 }, log_directory: logDir, ...hostNetwork };
      const sandboxId = await cri.runPodSandbox(sandboxConfig);
      const containerId = await cri.createContainer(sandboxId, {
        metadata: { name: p.container, attempt: 0 },
        image: { image: busyboxImage },
        command: p.command,
        log_path: `${p.container}/0.log`,
        stdin: p.stdin ?? false,
        tty: p.tty ?? false,
      }, sandboxConfig);
      await cri.startContainer(containerId);
      return { sandboxId, containerId, logPath: join(logDir, p.container, '0.log') };
    },
    stop,
  };
}
