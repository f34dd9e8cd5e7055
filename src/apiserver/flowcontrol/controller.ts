// API Priority and Fairness inside the API server: follows the FlowSchemas and PriorityLevelConfigurations in
// storage, keeps the mandatory and suggested configuration objects there (the configuration controller), marks
// FlowSchemas whose priority level is missing as Dangling, and turns the configuration into what the request
// filter uses: schemas in matching order and one QueueSet per limited level, with the seats each level gets out of
// the server's total (the sum of --max-requests-inflight and --max-mutating-requests-inflight).
import { mandatoryFlowSchemas, mandatoryPriorityLevels, suggestedFlowSchemas, suggestedPriorityLevels } from '../../api/flowcontrol/bootstrap.js';
import { defaultPriorityLevelSpec } from '../../api/flowcontrol/defaults.js';
import {
  autoUpdateAnnotation, catchAllName, danglingCondition, exemptName, flowcontrolGroup, flowcontrolVersion,
  type FlowSchema, type FlowSchemaCondition, type PriorityLevelConfiguration,
} from '../../api/flowcontrol/types.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceRegistry } from '../../api/resource-registry.js';
import { errors, StatusError } from '../../api/status.js';
import { semanticEqual } from '../../api/validation/equality.js';
import type { UserInfo } from '../../auth/types.js';
import type { Store } from '../../registry/store.js';
import type { RequestInfo } from '../request-info.js';
import type { StoreRegistry } from '../stores.js';
import { compileFlowSchema, flowSchemaMatches, orderFlowSchemas, type CompiledFlowSchema } from './classify.js';
import { QueueSet, type QueueSetConfig } from './queueset.js';

export interface PriorityLevelState {
  name: string;
  uid: string;
  exempt: boolean;
  nominalLimit: number;
  /** Limited levels only. */
  queueSet: QueueSet | undefined;
}

export interface Classification {
  flowSchema: CompiledFlowSchema;
  level: PriorityLevelState;
}

export interface FlowControlDeps {
  registry: ResourceRegistry;
  stores: StoreRegistry;
  now: () => Date;
  /** The server's concurrency limit in seats, divided among the limited levels (0: no level is limited). */
  serverConcurrencyLimit: number;
  /** How long a request may wait in a queue before it is refused (default 15 s, a quarter of a minute's timeout). */
  queueWaitLimitMs?: number;
  /** How often the configuration objects are checked besides on changes (default 60 s). */
  ensureIntervalMs?: number;
  log?: (line: string) => void;
}

/** One flow schema's requests in one priority level, for /metrics. */
export interface FlowCounters {
  readonly flowSchema: string;
  readonly priorityLevel: string;
  inQueue: number;
  executing: number;
  dispatched: number;
  readonly rejected: Map<string, number>;
}

/** Counters and gauges by flow schema and priority level; each schema holds its own, so a request touches no map. */
export class FlowControlStats {
  readonly byFlow = new Map<string, FlowCounters>();
  counters(flowSchema: string, priorityLevel: string): FlowCounters {
    const key = `${flowSchema}\0${priorityLevel}`;
    let c = this.byFlow.get(key);
    if (!c) {
      c = { flowSchema, priorityLevel, inQueue: 0, executing: 0, dispatched: 0, rejected: new Map() };
      this.byFlow.set(key, c);
    }
    return c;
  }
}

/** A 53-bit hash of the flow (FNV-1a twice, with different offsets). */
export function flowHash(schema: string, distinguisher: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const feed = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
    }
  };
  feed(schema);
  feed('\u0000');
  feed(distinguisher);
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

function annotationBool(obj: KubeObject): boolean | undefined {
  const v = obj.metadata.annotations?.[autoUpdateAnnotation];
  if (v === undefined) return undefined;
  const t = v.toLowerCase();
  if (t === 'true' || t === '1' || t === 't') return true;
  if (t === 'false' || t === '0' || t === 'f') return false;
  return undefined;
}

function levelShares(pl: PriorityLevelConfiguration): number {
  const spec = pl.spec;
  if (spec?.type === 'Exempt') return typeof spec.exempt?.nominalConcurrencyShares === 'number' ? spec.exempt.nominalConcurrencyShares : 0;
  return typeof spec?.limited?.nominalConcurrencyShares === 'number' ? spec.limited.nominalConcurrencyShares : 30;
}

/** NominalCL(i) = ceil(ServerCL × NCS(i) / Σ NCS), for every level. */
export function nominalLimits(levels: readonly PriorityLevelConfiguration[], serverLimit: number): Map<string, number> {
  const sum = levels.reduce((s, pl) => s + Math.max(0, levelShares(pl)), 0);
  const out = new Map<string, number>();
  for (const pl of levels) out.set(pl.metadata.name ?? '', sum > 0 ? Math.ceil((serverLimit * Math.max(0, levelShares(pl))) / sum) : 0);
  return out;
}

function queueSetConfig(pl: PriorityLevelConfiguration, limit: number): QueueSetConfig {
  const response = pl.spec?.limited?.limitResponse;
  const q = response?.type === 'Queue' ? response.queuing : undefined;
  return { limit, queuing: q ? { queues: Math.max(1, q.queues), handSize: Math.max(1, Math.min(q.handSize, q.queues)), queueLengthLimit: Math.max(1, q.queueLengthLimit) } : undefined };
}

export class FlowControl {
  readonly stats = new FlowControlStats();
  private schemas: CompiledFlowSchema[] = [];
  private readonly levels = new Map<string, PriorityLevelState>();
  private readonly storedSchemas = new Map<string, FlowSchema>();
  private readonly storedLevels = new Map<string, PriorityLevelConfiguration>();
  private readonly stop = new AbortController();
  private flowSchemaStore: Store | undefined;
  private levelStore: Store | undefined;
  private rebuildQueued = false;
  private ensureTimer: NodeJS.Timeout | undefined;
  private ensuring: Promise<void> | undefined;
  private ensureAgain = false;
  readonly ready: Promise<void>;
  private readonly log: (line: string) => void;

  constructor(private readonly deps: FlowControlDeps) {
    this.log = deps.log ?? ((l) => process.stderr.write(`apiserver: flowcontrol: ${l}\n`));
    // until storage has been read, the shipped configuration classifies
    this.apply([...mandatoryFlowSchemas, ...suggestedFlowSchemas], [...mandatoryPriorityLevels, ...suggestedPriorityLevels]);
    this.ready = this.start();
  }

  /** The schema, level and flow of a request (every request matches: catch-all is always there). */
  classify(info: RequestInfo, user: UserInfo): Classification | undefined {
    for (const fs of this.schemas) {
      if (!flowSchemaMatches(fs, info, user)) continue;
      const level = this.levels.get(fs.priorityLevel);
      if (!level) continue;
      return { flowSchema: fs, level };
    }
    return undefined;
  }

  /** Levels with their seats (nominal_limit_seats). */
  priorityLevels(): Iterable<PriorityLevelState> {
    return this.levels.values();
  }

  close(): void {
    this.stop.abort();
    if (this.ensureTimer) clearInterval(this.ensureTimer);
    for (const l of this.levels.values()) l.queueSet?.close();
  }

  private async start(): Promise<void> {
    const find = (resource: string) => {
      const r = this.deps.registry.find(flowcontrolGroup, flowcontrolVersion, resource);
      if (!r) throw new Error(`the catalog has no ${resource}`);
      return r;
    };
    this.flowSchemaStore = await this.deps.stores.storeFor(find('flowschemas'));
    this.levelStore = await this.deps.stores.storeFor(find('prioritylevelconfigurations'));
    let schemasRead: () => void = () => undefined;
    let levelsRead: () => void = () => undefined;
    const initial = Promise.all([new Promise<void>((r) => (schemasRead = r)), new Promise<void>((r) => (levelsRead = r))]);
    let started = false;
    const changed = (name: string, kind: 'fs' | 'pl', type: string) => {
      if (!started) return;
      this.scheduleRebuild();
      const bootstrap = kind === 'fs' ? [...mandatoryFlowSchemas, ...suggestedFlowSchemas] : [...mandatoryPriorityLevels, ...suggestedPriorityLevels];
      if (type !== 'ADDED' && bootstrap.some((b) => b.metadata.name === name)) this.scheduleEnsure();
    };
    this.follow(this.flowSchemaStore, (type, obj) => {
      const name = obj.metadata.name ?? '';
      if (type === 'DELETED') this.storedSchemas.delete(name);
      else this.storedSchemas.set(name, obj as FlowSchema);
      changed(name, 'fs', type);
    }, () => schemasRead());
    this.follow(this.levelStore, (type, obj) => {
      const name = obj.metadata.name ?? '';
      if (type === 'DELETED') this.storedLevels.delete(name);
      else this.storedLevels.set(name, obj as PriorityLevelConfiguration);
      changed(name, 'pl', type);
    }, () => levelsRead());
    await initial;
    started = true;
    this.rebuild();
    this.scheduleEnsure();
    this.ensureTimer = setInterval(() => this.scheduleEnsure(), this.deps.ensureIntervalMs ?? 60_000);
    this.ensureTimer.unref();
  }

  private follow(store: Store, onEvent: (type: string, obj: KubeObject) => void, onInitial: () => void): void {
    void (async () => {
      try {
        for await (const batch of store.watch('', { signal: this.stop.signal, anyInitialState: false })) {
          for (const ev of batch) {
            if (ev.type === 'INITIAL_END') onInitial();
            else onEvent(ev.type, ev.object as KubeObject);
          }
        }
      } catch (e) {
        if (!this.stop.signal.aborted) this.log(`watch ended: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        onInitial();
      }
    })();
  }

  private scheduleRebuild(): void {
    if (this.rebuildQueued) return;
    this.rebuildQueued = true;
    queueMicrotask(() => {
      this.rebuildQueued = false;
      if (!this.stop.signal.aborted) this.rebuild();
    });
  }

  /** The stored configuration, with the mandatory objects filled in while they are missing from storage. */
  private rebuild(): void {
    const schemas = [...this.storedSchemas.values()];
    const levels = [...this.storedLevels.values()];
    for (const m of mandatoryFlowSchemas) if (!this.storedSchemas.has(m.metadata.name ?? '')) schemas.push(m);
    for (const m of mandatoryPriorityLevels) if (!this.storedLevels.has(m.metadata.name ?? '')) levels.push(m);
    this.apply(schemas, levels);
    void this.markDangling().catch((e: unknown) => this.log(`status: ${e instanceof Error ? e.message : String(e)}`));
  }

  private apply(schemas: readonly FlowSchema[], levels: readonly PriorityLevelConfiguration[]): void {
    const limits = nominalLimits(levels, this.deps.serverConcurrencyLimit);
    const seen = new Set<string>();
    for (const pl of levels) {
      const name = pl.metadata.name ?? '';
      seen.add(name);
      const exempt = pl.spec?.type === 'Exempt';
      const unlimited = this.deps.serverConcurrencyLimit <= 0;
      const nominal = limits.get(name) ?? 0;
      const state = this.levels.get(name);
      const config = queueSetConfig(pl, nominal);
      if (exempt || unlimited) {
        state?.queueSet?.close();
        this.levels.set(name, { name, uid: pl.metadata.uid ?? '', exempt: true, nominalLimit: nominal, queueSet: undefined });
      } else if (state?.queueSet) {
        state.queueSet.setConfig(config);
        this.levels.set(name, { ...state, uid: pl.metadata.uid ?? '', exempt: false, nominalLimit: nominal, queueSet: state.queueSet });
      } else {
        this.levels.set(name, { name, uid: pl.metadata.uid ?? '', exempt: false, nominalLimit: nominal, queueSet: new QueueSet(config, { waitLimitMs: this.deps.queueWaitLimitMs ?? 15_000 }) });
      }
    }
    for (const [name, state] of this.levels) {
      if (seen.has(name)) continue;
      state.queueSet?.close();
      this.levels.delete(name);
    }
    this.schemas = orderFlowSchemas(schemas.map(compileFlowSchema).filter((fs) => this.levels.has(fs.priorityLevel)));
    for (const fs of this.schemas) fs.counters = this.stats.counters(fs.name, fs.priorityLevel);
  }

  /** Writes each stored FlowSchema's Dangling condition where it is not what the configuration says. */
  private async markDangling(): Promise<void> {
    const store = this.flowSchemaStore;
    if (!store) return;
    for (const fs of this.storedSchemas.values()) {
      const level = fs.spec?.priorityLevelConfiguration?.name ?? '';
      const dangling = !this.storedLevels.has(level);
      const want = dangling
        ? { status: 'True', reason: 'NotFound', message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" but there is no such object` }
        : { status: 'False', reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named "${level}" and it exists` };
      const have = (fs.status?.conditions ?? []).find((c) => c.type === danglingCondition);
      if (have && have.status === want.status && have.reason === want.reason && have.message === want.message) continue;
      const condition: FlowSchemaCondition = { type: danglingCondition, ...want, lastTransitionTime: this.deps.now().toISOString().replace(/\.\d+Z$/, 'Z') };
      const name = fs.metadata.name ?? '';
      try {
        await store.update('', name, (cur) => {
          if (!cur) throw errors.notFound({ group: flowcontrolGroup, resource: 'flowschemas' }, name);
          const status = (cur['status'] ?? {}) as { conditions?: FlowSchemaCondition[] };
          const others = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => c.type !== danglingCondition);
          return { ...cur, status: { ...status, conditions: [...others, condition] } } as KubeObject;
        }, { subresource: 'status', retryOnConflict: true });
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'NotFound') continue;
        throw e;
      }
    }
  }

  private scheduleEnsure(): void {
    if (this.stop.signal.aborted) return;
    if (this.ensuring) {
      this.ensureAgain = true;
      return;
    }
    this.ensuring = this.ensureConfiguration()
      .catch((e: unknown) => this.log(`configuration objects: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.ensuring = undefined;
        if (this.ensureAgain) {
          this.ensureAgain = false;
          setTimeout(() => this.scheduleEnsure(), 100).unref();
        }
      });
  }

  /** The configuration controller: mandatory objects always as shipped, suggested ones created and kept while allowed. */
  async ensureConfiguration(): Promise<void> {
    const levels = this.levelStore;
    const schemas = this.flowSchemaStore;
    if (!levels || !schemas) return;
    for (const pl of mandatoryPriorityLevels) await this.ensureOne(levels, this.storedLevels, pl, true);
    for (const fs of mandatoryFlowSchemas) await this.ensureOne(schemas, this.storedSchemas, fs, true);
    for (const pl of suggestedPriorityLevels) await this.ensureOne(levels, this.storedLevels, pl, false);
    for (const fs of suggestedFlowSchemas) await this.ensureOne(schemas, this.storedSchemas, fs, false);
  }

  private async ensureOne(store: Store, stored: Map<string, KubeObject>, want: KubeObject, mandatory: boolean): Promise<void> {
    const name = want.metadata.name ?? '';
    const have = stored.get(name);
    try {
      if (!have) {
        await store.create('', structuredClone(want));
        return;
      }
      const auto = mandatory ? true : (annotationBool(have) ?? have.metadata.generation === 1);
      const specOk = !auto || specMatches(have, want);
      const annotationOk = annotationBool(have) === auto;
      if (specOk && annotationOk) return;
      await store.update('', name, (cur) => {
        if (!cur) throw errors.notFound({ group: flowcontrolGroup, resource: 'flowschemas' }, name);
        const next = structuredClone(cur) as KubeObject;
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [autoUpdateAnnotation]: String(auto) };
        if (auto && !specMatches(cur, want)) next['spec'] = wantedSpec(cur, want);
        return next;
      }, { retryOnConflict: true });
    } catch (e) {
      if (e instanceof StatusError && (e.reason === 'AlreadyExists' || e.reason === 'NotFound' || e.reason === 'Conflict')) return;
      throw e;
    }
  }
}

/** The spec the controller writes: the shipped one, except that the exempt level keeps its spec.exempt. */
function wantedSpec(have: KubeObject, want: KubeObject): unknown {
  const spec = structuredClone(want['spec']) as Record<string, unknown>;
  if (want.kind === 'PriorityLevelConfiguration' && want.metadata.name === exemptName) {
    const exempt = (have['spec'] as Record<string, unknown> | undefined)?.['exempt'];
    if (exempt !== undefined && exempt !== null) spec['exempt'] = structuredClone(exempt);
  }
  if (want.kind === 'PriorityLevelConfiguration') defaultPriorityLevelSpec(spec);
  return spec;
}

function specMatches(have: KubeObject, want: KubeObject): boolean {
  return semanticEqual(have['spec'], wantedSpec(have, want));
}

export const flowControlNames = { exempt: exemptName, catchAll: catchAllName };
