// A recording fake of the controllers' API client: a tiny in-memory API (objects by path) that records
// every write, so tests can compare actions and also let a controller converge over several passes.
import type { KubeList, KubeObject } from '../../../src/api/object.js';
import { isRecord } from '../../../src/api/object.js';
import { ApiError } from '../../../src/client/api-error.js';
import { Indexer } from '../../../src/client/informer.js';
import type { ControllerClient } from '../../../src/client/control/types.js';
import type { EventRecorder } from '../../../src/client/control/types.js';

export interface Action {
  verb: 'create' | 'update' | 'patch' | 'delete';
  path: string;
  body?: unknown;
}

const apiError = (code: number, reason: string, message: string) => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code });

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeApi implements ControllerClient {
  readonly actions: Action[] = [];
  readonly objects = new Map<string, KubeObject>();
  #rv = 100;
  #seq = 0;
  /** Return an error to make a call fail. */
  failWith: ((a: Action) => Error | undefined) | undefined;

  constructor(readonly config = { server: 'https://fake' }) {}

  seed(collectionPath: string, ...objs: KubeObject[]): void {
    for (const o of objs) {
      o.metadata.uid ??= `uid-${o.metadata.name}`;
      o.metadata.resourceVersion ??= String(++this.#rv);
      this.objects.set(`${collectionPath}/${o.metadata.name}`, o);
    }
  }

  /** Objects directly under a collection path. */
  under(collectionPath: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const [p, o] of this.objects) if (p.startsWith(`${collectionPath}/`) && !p.slice(collectionPath.length + 1).includes('/')) out.push(o);
    return out;
  }

  indexer(collectionPath: string, indexers = {}): Indexer {
    return new Indexer(indexers, this.under(collectionPath).map((o) => structuredClone(o)));
  }

  writes(verb?: Action['verb']): Action[] {
    return this.actions.filter((a) => !verb || a.verb === verb);
  }

  #check(a: Action): void {
    this.actions.push(a);
    const e = this.failWith?.(a);
    if (e) throw e;
  }

  async get<T>(path: string): Promise<T> {
    const o = this.objects.get(path);
    if (!o) throw apiError(404, 'NotFound', `${path} not found`);
    return structuredClone(o) as T;
  }

  async list<T extends KubeObject>(path: string): Promise<KubeList<T>> {
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.#rv) }, items: this.under(path).map((o) => structuredClone(o) as T) };
  }

  async create<T>(path: string, body: unknown): Promise<T> {
    this.#check({ verb: 'create', path, body: structuredClone(body) });
    const o = structuredClone(body) as KubeObject;
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${String(++this.#seq).padStart(5, 'x')}`;
    const key = `${path}/${o.metadata.name}`;
    if (this.objects.has(key)) throw apiError(409, 'AlreadyExists', `"${o.metadata.name}" already exists`);
    o.metadata.uid = `uid-${o.metadata.name}`;
    o.metadata.resourceVersion = String(++this.#rv);
    o.metadata.creationTimestamp = new Date(Date.UTC(2024, 4, 1, 10, 0, this.#seq)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.objects.set(key, o);
    return structuredClone(o) as T;
  }

  async update<T>(path: string, body: unknown): Promise<T> {
    this.#check({ verb: 'update', path, body: structuredClone(body) });
    const target = path.replace(/\/(status|finalize)$/, '');
    const cur = this.objects.get(target);
    if (!cur) throw apiError(404, 'NotFound', `${target} not found`);
    const o = structuredClone(body) as KubeObject;
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== cur.metadata.resourceVersion) throw apiError(409, 'Conflict', 'the object has been modified');
    o.metadata.resourceVersion = String(++this.#rv);
    this.objects.set(target, o);
    return structuredClone(o) as T;
  }

  async patch<T>(path: string, patch: unknown): Promise<T> {
    this.#check({ verb: 'patch', path, body: structuredClone(patch) });
    const target = path.replace(/\/status$/, '');
    const cur = this.objects.get(target);
    if (!cur) throw apiError(404, 'NotFound', `${target} not found`);
    const rv = isRecord(patch) && isRecord(patch['metadata']) ? patch['metadata']['resourceVersion'] : undefined;
    if (typeof rv === 'string' && rv !== cur.metadata.resourceVersion) throw apiError(409, 'Conflict', 'the object has been modified');
    const o = mergePatch(cur, patch) as KubeObject;
    o.metadata.resourceVersion = String(++this.#rv);
    this.objects.set(target, o);
    return structuredClone(o) as T;
  }

  async delete(path: string, opts?: { body?: unknown; query?: unknown }): Promise<unknown> {
    this.#check({ verb: 'delete', path, ...(opts?.body !== undefined ? { body: opts.body } : opts?.query !== undefined ? { body: opts.query } : {}) });
    const cur = this.objects.get(path);
    if (!cur) throw apiError(404, 'NotFound', `${path} not found`);
    this.objects.delete(path);
    return cur;
  }

  request(): never {
    throw new Error('not faked');
  }
}

export class RecordingRecorder implements EventRecorder {
  readonly events: string[] = [];
  event(obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${obj.metadata.name ?? ''}: ${message}`);
  }
}
