// metadata.managedFields for one endpoint (a resource, or one of its subresources), kept as kube-apiserver keeps
// them on every write:
// - update (create, PUT, non-apply PATCH): the writer's Update entry gains what the write changed; a client may
//   replace the list (kubectl's client-side → server-side apply migration does), or clear it with `[]`/`[{}]`;
//   an object whose list is empty (created before tracking, or cleared) is not tracked again by updates.
// - apply: field ownership with conflicts (409 in Kubernetes' words), force, removal of fields the applier
//   stopped applying; the first apply to an untracked object first records its fields as "before-first-apply";
//   the manager "kubectl" may take over fields client-side apply set (the last-applied annotation says which)
//   and keeps that annotation current.
import type { KubeObject } from '../object.js';
import { isRecord } from '../object.js';
import { makeStatus, StatusError, type StatusCause } from '../status.js';
import { fieldElement, pathString, type Path } from './path.js';
import {
  capUpdateManagers,
  decodeManaged,
  emptyManaged,
  encodeManaged,
  isResetRequest,
  managerKey,
  parseManagerKey,
  type Managed,
} from './managed.js';
import { FieldSet } from './set.js';
import type { TypeNode } from './schema.js';
import { compare, toFieldSet, TypedValueError } from './typed.js';
import { apply as applyFields, ConflictsError, update as updateFields, type Conflict, type UpdaterContext } from './updater.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** The manager kubectl's server-side apply uses by default; only it migrates client-side apply ownership. */
const kubectlManager = 'kubectl';
const beforeFirstApply = 'before-first-apply';
const currentOperation = '\u0000current-operation';

/** What no manager owns: identity and bookkeeping fields of every object. */
const stripped = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [fieldElement('metadata'), fieldElement(f)]),
);

export interface FieldManagerOptions {
  type: TypeNode;
  /** group/version of the endpoint ("v1", "apps/v1"). */
  apiVersion: string;
  kind: string;
  subresource?: string;
  /** Fields the endpoint resets, which nobody comes to own through it. */
  ignored?: FieldSet;
  /** The kind's empty object (what a create is compared with). */
  zero: () => Record<string, unknown>;
  now?: () => Date;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withoutManagedFields<T extends KubeObject | Record<string, unknown>>(obj: T): T {
  const meta = obj['metadata'];
  if (!isRecord(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _m, ...rest } = meta;
  return { ...obj, metadata: rest };
}

function copyManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

export class FieldManager {
  private readonly ctx: UpdaterContext;
  private readonly now: () => Date;

  constructor(private readonly opts: FieldManagerOptions) {
    this.ctx = { type: opts.type, apiVersion: opts.apiVersion, ...(opts.ignored ? { ignored: opts.ignored } : {}) };
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * The object of a create (live undefined) or update with its managedFields brought up to date. Never fails:
   * should the bookkeeping itself fail, the object is returned without managedFields (as kube-apiserver does).
   */
  update(live: Readonly<KubeObject> | undefined, next: KubeObject, manager: string): KubeObject {
    try {
      const managed = this.requestManaged(live, next);
      const liveObj = live ? withoutManagedFields(live as KubeObject) : this.opts.zero();
      const newObj = withoutManagedFields(next);
      if (managed.fields.size === 0 && live?.metadata.uid) return newObj; // untracked objects stay untracked
      this.recordUpdate(liveObj, newObj, managed, manager || 'unknown');
      return this.encode(newObj, managed);
    } catch {
      return withoutManagedFields(next);
    }
  }

  private requestManaged(live: Readonly<KubeObject> | undefined, next: KubeObject): Managed {
    const liveManaged = (): Managed => {
      try {
        return decodeManaged(live?.metadata.managedFields);
      } catch {
        return emptyManaged();
      }
    };
    if (this.opts.subresource) return liveManaged();
    const sent = next.metadata.managedFields;
    if (isResetRequest(sent)) return emptyManaged();
    try {
      const m = decodeManaged(sent);
      return m.fields.size > 0 ? m : liveManaged();
    } catch {
      return liveManaged();
    }
  }

  private updateKey(manager: string): string {
    return managerKey({ manager, operation: 'Update', apiVersion: this.opts.apiVersion, ...(this.opts.subresource ? { subresource: this.opts.subresource } : {}) });
  }

  private recordUpdate(liveObj: unknown, newObj: unknown, managed: Managed, manager: string): void {
    const key = this.updateKey(manager);
    updateFields(this.ctx, liveObj, newObj, managed, currentOperation);
    stripMeta(managed);
    const current = managed.fields.get(currentOperation);
    if (current) {
      managed.fields.delete(currentOperation);
      const previous = managed.fields.get(key);
      managed.fields.set(key, { set: previous ? current.set.union(previous.set) : current.set, apiVersion: current.apiVersion, applied: false });
      managed.times.set(key, rfc3339(this.now()));
    }
    capUpdateManagers(managed);
  }

  private encode<T extends KubeObject | Record<string, unknown>>(obj: T, managed: Managed): T {
    const entries = encodeManaged(managed);
    const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
    const { managedFields: _m, ...rest } = meta;
    return { ...obj, metadata: entries.length > 0 ? { ...rest, managedFields: entries } : rest };
  }

  /**
   * Server-side apply of `config` (the request body, already decoded) by `manager`; live undefined creates.
   * Throws StatusError: 409 on conflicts, 400 for a wrong apiVersion or managedFields in the body, 500 when the
   * configuration does not fit the type (as kube-apiserver words it).
   */
  apply(live: Readonly<KubeObject> | undefined, config: Record<string, unknown>, manager: string, force: boolean): KubeObject {
    const configVersion = typeof config['apiVersion'] === 'string' ? config['apiVersion'] : '';
    if (configVersion !== this.opts.apiVersion) {
      throw new StatusError(makeStatus('BadRequest', `Incorrect version specified in apply patch. Specified patch version: ${configVersion}, expected: ${this.opts.apiVersion}`));
    }
    const configMeta = config['metadata'];
    if (isRecord(configMeta) && configMeta['managedFields'] !== undefined && configMeta['managedFields'] !== null) {
      throw new StatusError(makeStatus('BadRequest', 'metadata.managedFields must be nil'));
    }
    let managed: Managed;
    try {
      managed = decodeManaged(live?.metadata.managedFields);
    } catch (e) {
      throw bareInternal(`failed to decode managed fields: ${e instanceof Error ? e.message : String(e)}`);
    }
    let liveObj: Record<string, unknown> = live ? withoutManagedFields(live as KubeObject) : this.opts.zero();
    if (managed.fields.size === 0 && live) {
      // Fields set before anyone applied get an owner, so that the first applier conflicts with them.
      this.recordUpdate(this.opts.zero(), liveObj, managed, beforeFirstApply);
    }
    let result: { object: Record<string, unknown>; managed: Managed };
    try {
      result = this.applyOnce(liveObj, config, managed, manager, force);
    } catch (e) {
      if (!(e instanceof ConflictsError) || manager !== kubectlManager) throw this.applyError(e, config);
      const allowed = this.allowedFromLastApplied(liveObj);
      const remaining = allowed ? e.conflicts.filter((c) => !allowed.has(c.path)) : e.conflicts;
      if (remaining.length > 0) throw this.applyError(new ConflictsError(remaining), config);
      result = this.applyOnce(liveObj, config, managed, manager, true);
    }
    liveObj = result.object;
    capUpdateManagers(result.managed);
    if (manager === kubectlManager && live?.metadata.annotations?.[lastAppliedAnnotation] !== undefined) {
      liveObj = withLastApplied(liveObj, config);
    }
    return this.encode(liveObj as KubeObject, result.managed);
  }

  private applyOnce(liveObj: Record<string, unknown>, config: Record<string, unknown>, managedIn: Managed, manager: string, force: boolean): { object: Record<string, unknown>; managed: Managed } {
    const managed = copyManaged(managedIn);
    const key = managerKey({ manager, operation: 'Apply', ...(this.opts.subresource ? { subresource: this.opts.subresource } : {}) });
    const next = applyFields(this.ctx, liveObj, config, managed, key, force);
    stripMeta(managed);
    if (next !== undefined) managed.times.set(key, rfc3339(this.now()));
    return { object: (next ?? structuredClone(liveObj)) as Record<string, unknown>, managed };
  }

  /** Fields client-side apply set (per the last-applied annotation) that still hold the values it set. */
  private allowedFromLastApplied(liveObj: Record<string, unknown>): FieldSet | undefined {
    const meta = liveObj['metadata'];
    const annotations = isRecord(meta) && isRecord(meta['annotations']) ? meta['annotations'] : undefined;
    const text = annotations?.[lastAppliedAnnotation];
    if (typeof text !== 'string' || text === '') return undefined;
    try {
      const last: unknown = JSON.parse(text);
      if (!isRecord(last)) return undefined;
      const set = toFieldSet(last, this.opts.type, true);
      const c = compare(last, liveObj, this.opts.type);
      return set.difference(c.modified).difference(c.added).difference(c.removed);
    } catch {
      return undefined;
    }
  }

  private applyError(e: unknown, config: Record<string, unknown>): unknown {
    if (e instanceof ConflictsError) return conflictError(e.conflicts);
    if (e instanceof TypedValueError) {
      const meta = isRecord(config['metadata']) ? config['metadata'] : {};
      const ns = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
      const name = typeof meta['name'] === 'string' ? meta['name'] : '';
      const [group, version] = this.opts.apiVersion.includes('/') ? this.opts.apiVersion.split('/') : ['', this.opts.apiVersion];
      return bareInternal(`failed to create typed patch object (${ns}/${name}; ${group}/${version}, Kind=${this.opts.kind}): ${e.message}`);
    }
    return e;
  }
}

function stripMeta(managed: Managed): void {
  for (const [key, vs] of managed.fields) {
    const set = vs.set.difference(stripped);
    if (set.isEmpty()) managed.fields.delete(key);
    else managed.fields.set(key, { ...vs, set });
  }
}

/** kube-apiserver's answer to an error it does not classify: 500, no reason, the message as is. */
function bareInternal(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

/** A manager identity as conflict messages print it. */
export function printManager(key: string): string {
  const id = parseManagerKey(key);
  let s = JSON.stringify(id.manager);
  if (id.subresource) s += ` with subresource ${JSON.stringify(id.subresource)}`;
  if (id.operation === 'Update') s += ` using ${id.apiVersion ?? ''}`;
  return s;
}

/** 409 Conflict with one cause per conflicting field, worded as kube-apiserver words it. */
export function conflictError(conflicts: Conflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.managerKey)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    const c = conflicts[0]!;
    message = `Apply failed with 1 conflict: conflict with ${printManager(c.managerKey)}: ${pathString(c.path)}`;
  } else {
    const byManager = new Map<string, Path[]>();
    for (const c of conflicts) byManager.set(c.managerKey, [...(byManager.get(c.managerKey) ?? []), c.path]);
    const lines: string[] = [];
    for (const key of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(key)}:`);
      for (const p of byManager.get(key)!) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(makeStatus('Conflict', message, { causes }));
}

/** The last-applied annotation rewritten from an applied configuration (kubectl's JSON: sorted keys, newline). */
function withLastApplied(obj: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const cmeta = isRecord(config['metadata']) ? config['metadata'] : {};
  const cann = isRecord(cmeta['annotations']) ? { ...cmeta['annotations'] } : undefined;
  if (cann) delete cann[lastAppliedAnnotation];
  const cleaned = { ...config, metadata: { ...cmeta, ...(cann ? { annotations: cann } : {}) } };
  const meta = isRecord(obj['metadata']) ? obj['metadata'] : {};
  const annotations = isRecord(meta['annotations']) ? meta['annotations'] : {};
  return { ...obj, metadata: { ...meta, annotations: { ...annotations, [lastAppliedAnnotation]: `${goJson(cleaned)}\n` } } };
}

/** Go's encoding/json: sorted keys, and <, > and & escaped. */
function goJson(v: unknown): string {
  const s = ((x: unknown): string => {
    const walk = (y: unknown): string => {
      if (Array.isArray(y)) return `[${y.map(walk).join(',')}]`;
      if (isRecord(y)) {
        return `{${Object.keys(y)
          .filter((k) => y[k] !== undefined)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${walk(y[k])}`)
          .join(',')}}`;
      }
      return JSON.stringify(y) ?? 'null';
    };
    return walk(x);
  })(v);
  return s.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
