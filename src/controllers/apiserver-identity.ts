// Each API server's identity Lease in kube-system (`apiserver-<hash>`, label apiserver.kubernetes.io/identity:
// kube-apiserver, renewed every 10 s as kube-apiserver renews its own) and the lease-based endpoint reconciler:
// after each renewal the `kubernetes` Service's Endpoints and EndpointSlices are set to the addresses of the API
// servers whose Lease is current. A Lease not renewed for its duration has expired: its server drops out and the
// Lease is deleted (kube-apiserver's apiserver-lease garbage collector). A server that stops cleanly deletes its own
// Lease and takes itself out at once.
//
// Servers may run on machines whose clocks disagree, so a Lease's times are trusted only until it has been seen to
// change: from then on it is current while this server, by its own clock, has seen it renewed within its duration.
// A Lease is deleted only after this server watched it stay unchanged for its duration, so a peer whose clock runs
// behind is at worst left out of the Service until its next renewal is seen, never deleted.
//
// kube-apiserver keeps endpoint liveness in separate 15 s etcd leases and gives its identity Lease an hour; a-kube
// uses the identity Lease for both, so its duration is the 15 s.
import { base32 } from '../api/base32.js';
import { createHash, randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import type { ControllerClient } from '../client/control/types.js';
import { sleep } from '../client/informer.js';
import { microTime } from '../client/leader-election.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { reconcileKubernetesService, type ApiServerEndpoint } from './kubernetes-service.js';

export const identityLabel = 'apiserver.kubernetes.io/identity';
/** Where an identity Lease says its server answers ("ADDRESS:PORT"): the address published in the kubernetes Service. */
export const endpointAnnotation = 'a-kube.io/endpoint';
/** Which data dir on which host the server runs from ("HOST:DIR"). */
export const originAnnotation = 'a-kube.io/origin';
const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';


/**
 * kube-apiserver names its Lease after a hash of the host name; several a-kube API servers may run on one host, so
 * the hash also covers the address and port the server publishes.
 */
export function apiServerLeaseName(host: string, endpoint: ApiServerEndpoint): string {
  const hash = createHash('sha256').update(`${host}/${endpoint.address}:${endpoint.port}`).digest();
  return `apiserver-${base32(hash.subarray(0, 16)).toLowerCase()}`;
}

/** "ADDRESS:PORT" of an identity Lease, when its annotation holds a valid one. */
export function leaseEndpoint(lease: KubeObject): ApiServerEndpoint | undefined {
  const value = lease.metadata.annotations?.[endpointAnnotation];
  const m = typeof value === 'string' ? /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value) : null;
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535 || (m[1] as string).split('.').some((o) => Number(o) > 255)) return undefined;
  return { address: m[1] as string, port };
}

/** When a Lease stops counting: its last renewal plus its duration, or undefined when it holds neither. */
function expiresAt(lease: KubeObject): number | undefined {
  const spec = isRecord(lease['spec']) ? lease['spec'] : {};
  const renew = typeof spec['renewTime'] === 'string' ? Date.parse(spec['renewTime']) : NaN;
  const duration = spec['leaseDurationSeconds'];
  if (!Number.isFinite(renew) || typeof duration !== 'number') return undefined;
  return renew + duration * 1000;
}

export interface ApiServerIdentityOptions {
  client: ControllerClient;
  /** This machine's host name (label kubernetes.io/hostname). */
  hostname: string;
  /** Where pods and other clients reach this API server. */
  endpoint: ApiServerEndpoint;
  signal: AbortSignal;
  clock?: Clock;
  log?: (line: string) => void;
  /** Between renewals (default 10 s). */
  renewIntervalMs?: number;
  /** The Lease's leaseDurationSeconds (default 15). */
  leaseDurationSeconds?: number;
  /** The kubernetes Service's ClusterIP (default 10.96.0.1). */
  serviceIP?: string;
  /** The data dir the server runs from, recorded in the Lease (annotation a-kube.io/origin, with the host name). */
  dataDir?: string;
  /**
   * No other server ran from our data dir when we took it (we hold its lock alone): on the first pass, Leases from
   * it are of servers that died (a restart on another port), deleted at once instead of lingering until they expire.
   */
  soleServerOfDataDir?: boolean;
}

export class ApiServerIdentity {
  readonly name: string;
  readonly holderIdentity: string;
  readonly #o: ApiServerIdentityOptions;
  readonly #clock: Clock;
  /** Until the first pass is done: servers that join our data dir later are not predecessors. */
  #predecessorsLeft: boolean;
  /** Other servers' Leases as last seen: their renewal and when (our clock) it was first seen; `renewed` once it changed. */
  readonly #seen = new Map<string, { renewal: string; at: number; renewed: boolean }>();

  constructor(o: ApiServerIdentityOptions) {
    this.#o = o;
    this.#clock = o.clock ?? realClock;
    this.name = apiServerLeaseName(o.hostname, o.endpoint);
    this.holderIdentity = `${this.name}_${randomUUID()}`;
    this.#predecessorsLeft = o.soleServerOfDataDir === true && this.#origin !== undefined;
  }

  get #origin(): string | undefined {
    return this.#o.dataDir ? `${this.#o.hostname}:${this.#o.dataDir}` : undefined;
  }

  get #path(): string {
    return `${leases}/${this.name}`;
  }

  /** Creates or renews our Lease. */
  async renew(): Promise<void> {
    const now = microTime(this.#clock.now());
    const metadata = {
      name: this.name,
      namespace: 'kube-system',
      labels: { [identityLabel]: 'kube-apiserver', 'kubernetes.io/hostname': this.#o.hostname },
      annotations: { [endpointAnnotation]: `${this.#o.endpoint.address}:${this.#o.endpoint.port}`, ...(this.#origin ? { [originAnnotation]: this.#origin } : {}) },
    };
    const spec = { holderIdentity: this.holderIdentity, leaseDurationSeconds: this.#o.leaseDurationSeconds ?? 15, renewTime: now };
    let cur: KubeObject;
    try {
      cur = await this.#o.client.get(this.#path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.#o.client.create(leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: { ...spec, acquireTime: now } });
      return;
    }
    const curSpec = isRecord(cur['spec']) ? cur['spec'] : {};
    await this.#o.client.update(this.#path, {
      ...cur,
      metadata: { ...cur.metadata, labels: { ...cur.metadata.labels, ...metadata.labels }, annotations: { ...cur.metadata.annotations, ...metadata.annotations } },
      spec: { ...curSpec, ...spec, ...(curSpec['holderIdentity'] === this.holderIdentity ? {} : { acquireTime: now }) },
    });
  }

  /**
   * Sets the kubernetes Service's endpoints to the servers with a current Lease (ourselves included unless we are
   * leaving) and deletes expired Leases.
   */
  async reconcile(leaving = false): Promise<ApiServerEndpoint[]> {
    const now = this.#clock.now();
    const list = await this.#o.client.list(leases, { query: { labelSelector: `${identityLabel}=kube-apiserver` } });
    const live: ApiServerEndpoint[] = leaving ? [] : [this.#o.endpoint];
    const listed = new Set<string>();
    for (const lease of list.items) {
      const name = lease.metadata.name ?? '';
      if (lease.metadata.labels?.[identityLabel] !== 'kube-apiserver' || name === this.name) continue;
      listed.add(name);
      const predecessor = this.#predecessorsLeft && lease.metadata.annotations?.[originAnnotation] === this.#origin;
      const { current, expired } = this.#observe(name, lease, now);
      if (current && !predecessor) {
        const endpoint = leaseEndpoint(lease);
        if (endpoint) live.push(endpoint);
        continue;
      }
      if (!expired && !predecessor) continue;
      // Expired (or left by a dead server of our data dir): deleted only as we saw it, so a renewal that came
      // meanwhile keeps it.
      try {
        await this.#o.client.delete(`${leases}/${name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: lease.metadata.resourceVersion } } });
        this.#seen.delete(name);
        this.#o.log?.(`apiserver identity: the Lease ${name} ${predecessor ? 'is of an earlier server on this data dir' : 'expired'}; its server is out of the kubernetes Service`);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    for (const name of this.#seen.keys()) if (!listed.has(name)) this.#seen.delete(name);
    await reconcileKubernetesService({ client: this.#o.client, endpoints: live, ...(this.#o.serviceIP ? { serviceIP: this.#o.serviceIP } : {}) });
    this.#predecessorsLeft = false;
    return live;
  }

  /**
   * Whether another server's Lease counts (`current`) and whether it may be deleted (`expired`). Until it is seen
   * to change, its own renewTime and duration say whether it counts; after that, our clock since the last change
   * seen. Deletion always waits for our own clock to pass a duration without a change.
   */
  #observe(name: string, lease: KubeObject, now: number): { current: boolean; expired: boolean } {
    const spec = isRecord(lease['spec']) ? lease['spec'] : {};
    const renewal = `${String(spec['holderIdentity'])}/${String(spec['renewTime'])}`;
    const duration = typeof spec['leaseDurationSeconds'] === 'number' ? spec['leaseDurationSeconds'] * 1000 : 0;
    let seen = this.#seen.get(name);
    if (!seen) {
      seen = { renewal, at: now, renewed: false };
      this.#seen.set(name, seen);
    } else if (seen.renewal !== renewal) {
      seen.renewal = renewal;
      seen.at = now;
      seen.renewed = true;
    }
    const unchangedFor = now - seen.at;
    if (duration <= 0) return { current: false, expired: true };
    if (seen.renewed) return { current: unchangedFor < duration, expired: unchangedFor >= duration };
    const until = expiresAt(lease);
    return { current: until !== undefined && until > now, expired: unchangedFor >= duration };
  }

  /** Deletes our Lease and takes our address out of the kubernetes Service. */
  async leave(): Promise<void> {
    try {
      await this.#o.client.delete(this.#path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.reconcile(true);
  }
}

/**
 * Renews the Lease and reconciles the kubernetes Service every interval until the signal aborts, then leaves
 * (giving up after leaveTimeoutMs when the storage does not answer; the Lease then expires by itself).
 */
export async function runApiServerIdentity(o: ApiServerIdentityOptions & { leaveTimeoutMs?: number }): Promise<void> {
  const clock = o.clock ?? realClock;
  const identity = new ApiServerIdentity(o);
  const say = (what: string, e: unknown) => o.log?.(`apiserver identity: ${what}: ${e instanceof Error ? e.message : String(e)}`);
  while (!o.signal.aborted) {
    try {
      await identity.renew();
      await identity.reconcile();
    } catch (e) {
      if (!o.signal.aborted) say('renewing', e);
    }
    await sleep(clock, o.renewIntervalMs ?? 10_000, o.signal);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, o.leaveTimeoutMs ?? 5_000);
  });
  await Promise.race([identity.leave().catch((e: unknown) => say('leaving', e)), timeout]);
  clearTimeout(timer);
}
