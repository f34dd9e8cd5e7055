// Debian's docker-registry (CNCF distribution 2.8) for tests: one registry process on a free loopback port over
// plain HTTP, its storage in a temporary directory of its own, optionally behind HTTP Basic authentication (the
// registry's htpasswd backend, left to provision its own user: without an htpasswd file it writes one with user
// "docker" and a random password, which it logs). Images reach it with skopeo (`skopeoPush`).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DockerRegistry {
  /** 127.0.0.1:PORT, the first part of an image reference on this registry. */
  host: string;
  /** The user the registry provisioned, when it wants credentials. */
  credentials?: { username: string; password: string };
  close(): Promise<void>;
}

/** Why the registry or skopeo cannot run here, or undefined when both can. */
export function dockerRegistryMissing(): string | undefined {
  for (const tool of ['docker-registry', 'skopeo']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install docker-registry skopeo)`;
  }
  return undefined;
}

/** Starts the registry and resolves once it listens (rejects with its log when it ends or stays silent first). */
export async function startDockerRegistry(opts: { auth?: boolean } = {}): Promise<DockerRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'akube-docker-registry-'));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(join(dir, 'data'))}`,
      'http:',
      '  addr: 127.0.0.1:0',
      ...(opts.auth ? ['auth:', '  htpasswd:', '    realm: a-kube-test', `    path: ${JSON.stringify(join(dir, 'htpasswd'))}`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`docker-registry did not listen within 30 s:\n${out}`)), 30_000);
      const check = () => {
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (!m) return;
        clearTimeout(timer);
        resolve(m[1] as string);
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`docker-registry ended (${signal ?? code}) before it listened:\n${out}`));
      });
      child.once('error', reject);
    });
    let credentials: DockerRegistry['credentials'];
    if (opts.auth) {
      // logrus sorts the fields: … password=… user=…
      const m = /htpasswd is missing, provisioning with default user".*? password="?([^"\s]+)"? user="?([^"\s]+)"?/.exec(out);
      if (!m) throw new Error(`docker-registry logged no provisioned user:\n${out}`);
      credentials = { username: m[2] as string, password: m[1] as string };
    }
    return { host: `127.0.0.1:${port}`, ...(credentials ? { credentials } : {}), close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * Copies an image archive (`oci-archive:` or `docker-archive:` followed by its path) to `ref` on a plain-HTTP
 * registry with skopeo; returns the manifest digest the registry stored it under.
 */
export function skopeoPush(source: string, ref: string, work: string, credentials?: { username: string; password: string }): string {
  const digestFile = join(work, `digest-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile, ...(credentials ? ['--dest-creds', `${credentials.username}:${credentials.password}`] : []), source, `docker://${ref}`], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`skopeo copy ${source} docker://${ref} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const digest = spawnSync('cat', [digestFile], { encoding: 'utf8' }).stdout.trim();
  rmSync(digestFile, { force: true });
  return digest;
}
