// Leader election through a coordination.k8s.io/v1 Lease (client-go's leaderelection with a LeaseLock):
// acquire the Lease when it is free or its holder has not renewed it for leaseDurationSeconds (measured
// on our own clock from when we last saw it change), renew it every retry period, and stop leading when
// renewals fail for longer than the renew deadline.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { isConflict, isNotFound, isAlreadyExists } from './api-error.js';
import { sleep } from './informer.js';
import type { RestClient } from './rest.js';
import { realClock, type Clock } from './workqueue.js';

export interface LeaderElectionOptions {
  client: Pick<RestClient, 'get' | 'create' | 'update'>;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  signal: AbortSignal;
  /** Runs while we lead; leaderSignal aborts when leadership is lost or the election stops. */
  onStartedLeading(leaderSignal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
  /** Failed attempts to read or write the Lease. */
  log?: (line: string) => void;
  /** Give the Lease up (empty holder) when the signal aborts, so another candidate takes over at once. */
  releaseOnCancel?: boolean;
}

/** How long a Lease lasts, how long a leader keeps trying to renew it, and how often candidates try. */
export interface LeaderElectionTiming {
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** kube-controller-manager's and kube-scheduler's defaults (15 s, 10 s, 2 s). */
export const defaultLeaderElection: LeaderElectionTiming = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Why a timing cannot work (kube-controller-manager's checks), or undefined. */
export function leaderElectionProblem(t: LeaderElectionTiming): string | undefined {
  if (t.leaseDurationSeconds * 1000 <= t.renewDeadlineMs) return '--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline';
  if (t.renewDeadlineMs <= t.retryPeriodMs * 1.2) return '--leader-elect-renew-deadline must be longer than 1.2 × --leader-elect-retry-period';
  return undefined;
}

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function leaseRecord(lease: KubeObject): LeaseRecord {
  const spec = isRecord(lease['spec']) ? lease['spec'] : {};
  return {
    holderIdentity: typeof spec['holderIdentity'] === 'string' ? spec['holderIdentity'] : '',
    leaseDurationSeconds: typeof spec['leaseDurationSeconds'] === 'number' ? spec['leaseDurationSeconds'] : 0,
    ...(typeof spec['acquireTime'] === 'string' ? { acquireTime: spec['acquireTime'] } : {}),
    ...(typeof spec['renewTime'] === 'string' ? { renewTime: spec['renewTime'] } : {}),
    leaseTransitions: typeof spec['leaseTransitions'] === 'number' ? spec['leaseTransitions'] : 0,
  };
}

/** One candidate's view of the Lease; tryAcquireOrRenew is a single attempt, testable on its own. */
export class LeaseLock {
  readonly #o: LeaderElectionOptions;
  readonly #clock: Clock;
  #observed: { holder: string; renewTime: string; at: number } | undefined;

  constructor(opts: LeaderElectionOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? realClock;
  }

  get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.#o.namespace}/leases/${this.#o.name}`;
  }

  get observedHolder(): string | undefined {
    return this.#observed?.holder;
  }

  /** True when we hold the Lease after this attempt. */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const o = this.#o;
    const now = this.#clock.now();
    const duration = o.leaseDurationSeconds ?? 15;
    const fresh: LeaseRecord = { holderIdentity: o.identity, leaseDurationSeconds: duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let lease: KubeObject;
    try {
      lease = await o.client.get(this.path, signal ? { signal } : undefined);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await o.client.create(`/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: o.name, namespace: o.namespace },
          spec: fresh,
        });
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
      this.#observe(o.identity, fresh.renewTime ?? '', now);
      return true;
    }
    const rec = leaseRecord(lease);
    if (!this.#observed || this.#observed.holder !== rec.holderIdentity || this.#observed.renewTime !== (rec.renewTime ?? '')) {
      this.#observe(rec.holderIdentity, rec.renewTime ?? '', now);
    }
    const heldByOther = rec.holderIdentity !== '' && rec.holderIdentity !== o.identity;
    const observedAt = this.#observed?.at ?? now;
    if (heldByOther && observedAt + rec.leaseDurationSeconds * 1000 > now) return false;

    const next: LeaseRecord =
      rec.holderIdentity === o.identity
        ? { ...rec, leaseDurationSeconds: duration, renewTime: microTime(now) }
        : { ...fresh, leaseTransitions: rec.leaseTransitions + 1 };
    try {
      await o.client.update(this.path, { ...lease, spec: { ...(isRecord(lease['spec']) ? lease['spec'] : {}), ...next } });
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return false;
      throw e;
    }
    this.#observe(o.identity, next.renewTime ?? '', now);
    return true;
  }

  async release(): Promise<void> {
    try {
      const lease = await this.#o.client.get(this.path);
      const rec = leaseRecord(lease);
      if (rec.holderIdentity !== this.#o.identity) return;
      const now = this.#clock.now();
      await this.#o.client.update(this.path, { ...lease, spec: { ...rec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) } });
    } catch {
      // best effort: the Lease expires by itself
    }
  }

  #observe(holder: string, renewTime: string, at: number): void {
    const changedHolder = this.#observed?.holder !== holder;
    this.#observed = { holder, renewTime, at };
    if (changedHolder && holder) this.#o.onNewLeader?.(holder);
  }
}

/** Campaigns until the signal aborts: acquire, lead while renewals succeed, and campaign again after losing. */
export async function runLeaderElection(opts: LeaderElectionOptions): Promise<void> {
  const clock = opts.clock ?? realClock;
  const retry = opts.retryPeriodMs ?? 2000;
  const renewDeadline = opts.renewDeadlineMs ?? 10_000;
  const lock = new LeaseLock(opts);
  const attempt = async (): Promise<boolean> => {
    try {
      return await lock.tryAcquireOrRenew(opts.signal);
    } catch (e) {
      if (!opts.signal.aborted) opts.log?.(`leader election: ${opts.namespace}/${opts.name}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };
  while (!opts.signal.aborted) {
    if (!(await attempt())) {
      await sleep(clock, retry, opts.signal);
      continue;
    }
    const leading = new AbortController();
    const stop = () => leading.abort();
    opts.signal.addEventListener('abort', stop, { once: true });
    void Promise.resolve()
      .then(() => opts.onStartedLeading(leading.signal))
      .catch(() => leading.abort());
    let lastRenew = clock.now();
    while (!leading.signal.aborted) {
      await sleep(clock, retry, leading.signal);
      if (leading.signal.aborted) break;
      if (await attempt()) lastRenew = clock.now();
      else if (clock.now() - lastRenew >= renewDeadline) break;
    }
    opts.signal.removeEventListener('abort', stop);
    leading.abort();
    opts.onStoppedLeading?.();
    if (opts.signal.aborted && opts.releaseOnCancel) await lock.release();
  }
}
