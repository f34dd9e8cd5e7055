// The pod's volumes on the node (the kubelet's volume manager, simplified): each volume is set up in
// DATA_DIR/pods/<uid>/volumes/<plugin>/<name> before the containers start, and kept current on every sync —
// configMap and secret contents follow their objects (read from a watch of each mounted object when an
// ObjectWatcher is given, which also asks for a sync as soon as one changes), projected service-account tokens
// are renewed once 80% of their life has passed. A failure names the volume, as the kubelet's FailedMount events do.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Clock } from '../../client/workqueue.js';
import { arr, rec, specOf, str } from '../../api/pod-util.js';
import type { ControllerClient } from '../../client/control/types.js';
import { DownwardError, podFieldValue, quantityValue, resourceFieldValue } from '../downward.js';
import { podDir } from '../log-paths.js';
import { checkRelativePath, writeAtomic, type VolumeFile } from './atomic-writer.js';
import { volumeRefs, type ObjectWatcher } from './object-watch.js';

/** Mount points at or below dir, from /proc/self/mountinfo (octal escapes decoded), outermost first. */
export function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const p = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return out.sort((a, b) => a.length - b.length);
}

export class VolumeError extends Error {
  override name = 'VolumeError';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export interface VolumeManagerOptions {
  client: ControllerClient;
  dataDir: string;
  clock: Clock;
  nodeAllocatable: { cpu: number; memory: number };
  /** Watches of the mounted configMaps and secrets; without it they are read from the server at each refresh. */
  watcher?: ObjectWatcher;
}

const maxTokenTtlMs = 24 * 3600_000;

function mode(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777 ? v : dflt;
}

function b64(v: unknown): Buffer {
  return Buffer.from(typeof v === 'string' ? v : '', 'base64');
}

export class VolumeManager {
  readonly #o: VolumeManagerOptions;
  /** pod uid → "volume/path" → token. */
  readonly #tokens = new Map<string, Map<string, CachedToken>>();
  /** pod uid → the last set-up: its volumes' spec, when, and the paths (syncs in between reuse them). */
  readonly #done = new Map<string, { spec: string; podIP: string; at: number; paths: Map<string, string> }>();

  /** pod key (namespace/name) → uid of the pod set up under that key. */
  readonly #uidByKey = new Map<string, string>();
  #changed: (podKey: string) => void = () => {};

  constructor(o: VolumeManagerOptions) {
    this.#o = o;
    o.watcher?.onChange((keys) => {
      for (const key of keys) {
        const uid = this.#uidByKey.get(key);
        // The next set-up of these pods rewrites their volumes instead of reusing the last one.
        if (uid !== undefined) this.#done.delete(uid);
        this.#changed(key);
      }
    });
  }

  /** Called with a pod's key when an object its volumes mount has changed (the node agent syncs the pod). */
  onContentChange(fn: (podKey: string) => void): void {
    this.#changed = fn;
  }

  volumeDir(uid: string, plugin: string, name: string): string {
    return join(podDir(this.#o.dataDir, uid), 'volumes', plugin, name);
  }

  /**
   * Sets up (or refreshes) every volume of the pod; returns volume name → host path. Between refreshes (every
   * refreshMs, or when a token is due, the volumes change or the pod IP appears) the last set-up is reused.
   */
  async setUp(pod: KubeObject, podIP = '', refreshMs = 60_000): Promise<Map<string, string>> {
    const uid = pod.metadata.uid ?? '';
    const spec = JSON.stringify(specOf(pod)['volumes'] ?? []);
    if (this.#o.watcher) {
      const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
      this.#uidByKey.set(key, uid);
      this.#o.watcher.hold(key, volumeRefs(pod.metadata.namespace ?? '', arr(specOf(pod)['volumes'])));
    }
    const last = this.#done.get(uid);
    const now = this.#o.clock.now();
    if (last && last.spec === spec && last.podIP === podIP && now - last.at < refreshMs && (this.msUntilRefresh(uid) ?? Infinity) > 0) return last.paths;
    const out = new Map<string, string>();
    for (const v of arr(specOf(pod)['volumes'])) {
      const name = str(v['name']);
      try {
        out.set(name, await this.#setUpOne(pod, v, podIP));
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        throw new VolumeError(name, e instanceof Error ? e.message : String(e));
      }
    }
    if (!this.#tokens.has(uid)) this.#tokens.set(uid, new Map());
    this.#done.set(uid, { spec, podIP, at: now, paths: out });
    return out;
  }

  async #setUpOne(pod: KubeObject, v: Record<string, unknown>, podIP: string): Promise<string> {
    const uid = pod.metadata.uid ?? '';
    const name = str(v['name']);
    if (v['emptyDir'] !== undefined) {
      const dir = this.volumeDir(uid, 'kubernetes.io~empty-dir', name);
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      const ed = rec(v['emptyDir']);
      if (ed['medium'] === 'Memory' && !mountsUnder(dir).includes(dir)) {
        // RAM-backed: a tmpfs sized by sizeLimit (else half the node's memory, tmpfs' own default).
        const size = ed['sizeLimit'] !== undefined ? Math.floor(quantityValue(String(ed['sizeLimit']))) : undefined;
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size ? `,size=${size}` : ''}`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) throw new VolumeError(name, `mount tmpfs: ${(r.stderr || r.error?.message || '').trim()}`);
      }
      return dir;
    }
    if (v['hostPath'] !== undefined) {
      const hp = rec(v['hostPath']);
      const path = str(hp['path']);
      const type = str(hp['type']);
      if (type === 'DirectoryOrCreate') mkdirSync(path, { recursive: true, mode: 0o755 });
      return path;
    }
    if (v['persistentVolumeClaim'] !== undefined) return this.#claimPath(pod, name, rec(v['persistentVolumeClaim']));
    let plugin: string;
    let files: VolumeFile[];
    if (v['configMap'] !== undefined) {
      plugin = 'kubernetes.io~configmap';
      files = await this.#configMapFiles(pod, rec(v['configMap']), mode(rec(v['configMap'])['defaultMode'], 0o644));
    } else if (v['secret'] !== undefined) {
      plugin = 'kubernetes.io~secret';
      files = await this.#secretFiles(pod, rec(v['secret']), mode(rec(v['secret'])['defaultMode'], 0o644));
    } else if (v['downwardAPI'] !== undefined) {
      plugin = 'kubernetes.io~downward-api';
      files = this.#downwardFiles(pod, rec(v['downwardAPI']), mode(rec(v['downwardAPI'])['defaultMode'], 0o644), podIP);
    } else if (v['projected'] !== undefined) {
      plugin = 'kubernetes.io~projected';
      files = await this.#projectedFiles(pod, name, rec(v['projected']), podIP);
    } else {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw new VolumeError(name, `volume type ${kind} is not supported on this node`);
    }
    for (const f of files) {
      const bad = checkRelativePath(f.path);
      if (bad) throw new VolumeError(name, `invalid path ${JSON.stringify(f.path)}: ${bad}`);
    }
    const dir = this.volumeDir(uid, plugin, name);
    writeAtomic(dir, files, this.#o.clock.now());
    return dir;
  }

  /** A claim's volume on this node: the bound PersistentVolume's hostPath or local directory, mounted as is. */
  async #claimPath(pod: KubeObject, volume: string, src: Record<string, unknown>): Promise<string> {
    const claimName = str(src['claimName']);
    const ns = pod.metadata.namespace ?? '';
    let claim: KubeObject;
    try {
      claim = await this.#o.client.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims/${encodeURIComponent(claimName)}`);
    } catch (e) {
      if (isNotFound(e)) throw new VolumeError(volume, `persistentvolumeclaim "${claimName}" not found`);
      throw e;
    }
    const pvName = str(rec(claim['spec'])['volumeName']);
    if (!pvName || str(rec(claim['status'])['phase']) !== 'Bound') throw new VolumeError(volume, `PVC ${ns}/${claimName} has non-bound phase ("${str(rec(claim['status'])['phase'])}") or empty pvc.Spec.VolumeName ("${pvName}")`);
    let pv: KubeObject;
    try {
      pv = await this.#o.client.get<KubeObject>(`/api/v1/persistentvolumes/${encodeURIComponent(pvName)}`);
    } catch (e) {
      if (isNotFound(e)) throw new VolumeError(volume, `persistentvolume "${pvName}" not found`);
      throw e;
    }
    const spec = rec(pv['spec']);
    if (spec['hostPath'] !== undefined) {
      const hp = rec(spec['hostPath']);
      const path = str(hp['path']);
      if (str(hp['type']) === 'DirectoryOrCreate') mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!existsSync(path)) throw new VolumeError(volume, `hostPath ${path} of persistentvolume "${pvName}" does not exist`);
      return path;
    }
    if (spec['local'] !== undefined) {
      const path = str(rec(spec['local'])['path']);
      if (!existsSync(path)) throw new VolumeError(volume, `path "${path}" does not exist`);
      return path;
    }
    const kind = ['csi', 'nfs', 'iscsi', 'fc', 'rbd', 'cephfs'].find((k) => spec[k] !== undefined) ?? 'unknown';
    throw new VolumeError(volume, `persistentvolume "${pvName}" of type ${kind} is not supported on this node (hostPath and local volumes are)`);
  }

  async #get(pod: KubeObject, resource: 'configmaps' | 'secrets', name: string, optional: boolean): Promise<KubeObject | undefined> {
    const watched = await this.#o.watcher?.get({ resource, namespace: pod.metadata.namespace ?? '', name });
    if (watched) return watched;
    if (watched === null) {
      if (optional) return undefined;
      throw new Error(`${resource === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`);
    }
    try {
      return await this.#o.client.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace ?? '')}/${resource}/${encodeURIComponent(name)}`);
    } catch (e) {
      if (isNotFound(e)) {
        if (optional) return undefined;
        throw new Error(`${resource === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`);
      }
      throw e;
    }
  }

  #items(kind: string, objName: string, data: Map<string, Buffer>, src: Record<string, unknown>, dflt: number): VolumeFile[] {
    const items = arr(src['items']);
    if (items.length === 0) return [...data].map(([k, d]) => ({ path: k, data: d, mode: dflt }));
    const out: VolumeFile[] = [];
    for (const it of items) {
      const key = str(it['key']);
      const d = data.get(key);
      if (!d) {
        if (src['optional'] === true) continue;
        throw new Error(kind === 'secret' ? `references non-existent secret key: ${key}` : `configmap references non-existent config key: ${key}`);
      }
      out.push({ path: str(it['path'], key), data: d, mode: mode(it['mode'], dflt) });
    }
    void objName;
    return out;
  }

  async #configMapFiles(pod: KubeObject, src: Record<string, unknown>, dflt: number): Promise<VolumeFile[]> {
    const name = str(src['name']);
    const cm = await this.#get(pod, 'configmaps', name, src['optional'] === true);
    if (!cm) return [];
    const data = new Map<string, Buffer>();
    for (const [k, val] of Object.entries(rec(cm['data']))) data.set(k, Buffer.from(typeof val === 'string' ? val : ''));
    for (const [k, val] of Object.entries(rec(cm['binaryData']))) data.set(k, b64(val));
    return this.#items('configmap', name, data, src, dflt);
  }

  async #secretFiles(pod: KubeObject, src: Record<string, unknown>, dflt: number): Promise<VolumeFile[]> {
    const name = str(src['secretName'] ?? src['name']);
    const s = await this.#get(pod, 'secrets', name, src['optional'] === true);
    if (!s) return [];
    const data = new Map<string, Buffer>();
    for (const [k, val] of Object.entries(rec(s['data']))) data.set(k, b64(val));
    return this.#items('secret', name, data, src, dflt);
  }

  #downwardFiles(pod: KubeObject, src: Record<string, unknown>, dflt: number, podIP: string): VolumeFile[] {
    return arr(src['items']).map((it) => {
      const path = str(it['path']);
      let value: string;
      try {
        if (it['fieldRef'] !== undefined) value = podFieldValue(pod, str(rec(it['fieldRef'])['fieldPath']), podIP);
        else if (it['resourceFieldRef'] !== undefined) {
          const ref = rec(it['resourceFieldRef']);
          const container = arr(specOf(pod)['containers']).find((c) => c['name'] === str(ref['containerName'])) ?? {};
          value = resourceFieldValue(container, str(ref['resource']), ref['divisor'] !== undefined ? String(ref['divisor']) : undefined, this.#o.nodeAllocatable);
        } else throw new DownwardError(`item ${path} has neither fieldRef nor resourceFieldRef`);
      } catch (e) {
        throw new Error(e instanceof Error ? e.message : String(e));
      }
      return { path, data: Buffer.from(value), mode: mode(it['mode'], dflt) };
    });
  }

  async #projectedFiles(pod: KubeObject, volume: string, src: Record<string, unknown>, podIP: string): Promise<VolumeFile[]> {
    const dflt = mode(src['defaultMode'], 0o644);
    const files: VolumeFile[] = [];
    for (const s of arr(src['sources'])) {
      if (s['configMap'] !== undefined) files.push(...(await this.#configMapFiles(pod, rec(s['configMap']), dflt)));
      else if (s['secret'] !== undefined) files.push(...(await this.#secretFiles(pod, { ...rec(s['secret']), secretName: rec(s['secret'])['name'] }, dflt)));
      else if (s['downwardAPI'] !== undefined) files.push(...this.#downwardFiles(pod, rec(s['downwardAPI']), dflt, podIP));
      else if (s['serviceAccountToken'] !== undefined) {
        const t = rec(s['serviceAccountToken']);
        const path = str(t['path'], 'token');
        // A token is for the pod's processes only: 0600 unless the pod asks otherwise.
        files.push({ path, data: Buffer.from(await this.#token(pod, volume, t)), mode: src['defaultMode'] !== undefined ? dflt : 0o600 });
      }
    }
    return files;
  }

  async #token(pod: KubeObject, volume: string, t: Record<string, unknown>): Promise<string> {
    const uid = pod.metadata.uid ?? '';
    const key = `${volume}/${str(t['path'], 'token')}`;
    const cache = this.#tokens.get(uid) ?? new Map<string, CachedToken>();
    this.#tokens.set(uid, cache);
    const now = this.#o.clock.now();
    const hit = cache.get(key);
    if (hit && !this.#refreshDue(hit, now)) return hit.token;
    const sa = str(specOf(pod)['serviceAccountName'], 'default');
    const expirationSeconds = typeof t['expirationSeconds'] === 'number' ? t['expirationSeconds'] : 3600;
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: typeof t['audience'] === 'string' && t['audience'] ? [t['audience']] : [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid } },
    };
    const res = await this.#o.client.create<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace ?? '')}/serviceaccounts/${encodeURIComponent(sa)}/token`, body as unknown as KubeObject);
    const status = rec(res['status']);
    const token = str(status['token']);
    if (!token) throw new Error(`TokenRequest for service account ${pod.metadata.namespace}/${sa} returned no token`);
    const expiresAt = Date.parse(str(status['expirationTimestamp'])) || now + expirationSeconds * 1000;
    const ttlSeconds = typeof rec(res['spec'])['expirationSeconds'] === 'number' ? (rec(res['spec'])['expirationSeconds'] as number) : expirationSeconds;
    cache.set(key, { token, issuedAt: expiresAt - ttlSeconds * 1000, expiresAt });
    return token;
  }

  #refreshDue(t: CachedToken, now: number): boolean {
    const ttl = t.expiresAt - t.issuedAt;
    return now >= t.issuedAt + 0.8 * ttl || now >= t.issuedAt + maxTokenTtlMs || now >= t.expiresAt;
  }

  /** Milliseconds until some token of the pod needs renewing (for the next sync), if it has tokens. */
  msUntilRefresh(uid: string): number | undefined {
    const cache = this.#tokens.get(uid);
    if (!cache || cache.size === 0) return undefined;
    const now = this.#o.clock.now();
    let min = Infinity;
    for (const t of cache.values()) min = Math.min(min, Math.min(t.issuedAt + 0.8 * (t.expiresAt - t.issuedAt), t.issuedAt + maxTokenTtlMs) - now);
    return Math.max(0, min);
  }

  /** Removes the pod's volumes (after its containers are gone): tmpfs volumes unmounted first. */
  tearDown(uid: string): void {
    this.#tokens.delete(uid);
    this.#done.delete(uid);
    for (const [key, u] of this.#uidByKey) {
      if (u !== uid) continue;
      this.#uidByKey.delete(key);
      this.#o.watcher?.release(key);
    }
    if (!uid) return;
    const dir = podDir(this.#o.dataDir, uid);
    for (const m of mountsUnder(dir).reverse()) spawnSync('umount', [m], { timeout: 10_000 });
    // Never delete through a mount that could not be undone.
    if (mountsUnder(dir).length) return;
    rmSync(dir, { recursive: true, force: true });
  }
}
