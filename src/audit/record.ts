// One request's audit record: its ID, when it arrived, what the policy decided, the annotations later stages add
// (authorization's decision and reason), and the events built from it at each stage.
import { parse as parseYaml } from 'yaml';
import { decodeKubernetesProtobuf, isProtobufContentType } from '../api/protobuf/index.js';
import type { UserInfo } from '../auth/types.js';
import { levelAtLeast, type AuditEvent, type ObjectReference, type PendingEvent, type PolicyAttributes, type RequestAuditConfig, type ResponseStatus, type Stage } from './types.js';
import { maxJsonDepth } from '../api/json-depth.js';
import { notAudited } from './policy.js';
import { yamlMayNestDeeperThan } from '../api/yaml-depth.js';

/** The formatted date and time up to the second, for the second last asked about (one formatting per second). */
let secondStart = Number.NaN;
let secondText = '';

/** `ms` (milliseconds since the epoch, with a fraction) as RFC 3339 with microseconds in UTC, as audit events carry times (metav1.MicroTime). */
export function formatMicroTime(ms: number): string {
  const micros = Math.floor(ms * 1000);
  const second = Math.floor(micros / 1_000_000) * 1000;
  if (second !== secondStart) {
    secondStart = second;
    secondText = new Date(second).toISOString().slice(0, 19);
  }
  return `${secondText}.${String(micros - second * 1000).padStart(6, '0')}Z`;
}

const auditIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's own Audit-ID header is used when it is a plain token; anything else gets a new ID. */
export function acceptableAuditId(v: string | undefined): string | undefined {
  return v !== undefined && auditIdPattern.test(v) ? v : undefined;
}

function userOf(u: UserInfo | undefined): AuditEvent['user'] {
  if (!u) return {};
  const out: AuditEvent['user'] = { username: u.name };
  if (u.uid) out.uid = u.uid;
  out.groups = u.groups;
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

export interface RequestFacts {
  method: string;
  requestURI: string;
  attributes: PolicyAttributes;
  apiVersion: string;
  sourceIPs: string[];
  userAgent: string | undefined;
  contentType: string;
}

export class RequestAudit {
  /** When the request arrived (milliseconds since the epoch), formatted only when an event is written. */
  private readonly receivedMs = performance.timeOrigin + performance.now();
  private receivedText: string | undefined;
  config: RequestAuditConfig = notAudited;
  /** The user who authenticated, and the one acted as when impersonating. */
  user: UserInfo | undefined;
  impersonatedUser: UserInfo | undefined;
  /** Annotations of the request's events (none kept while the policy records nothing). */
  private annotations: Record<string, string> | undefined;
  /** A recorded stage holds the annotations as they were: the next annotation goes into a copy. */
  private annotationsHeld = false;
  facts: RequestFacts | undefined;
  /** The request body, when the level records it (or a create names its object): set once the handler has read it. */
  requestBytes: Uint8Array | undefined;
  private requestObjectMemo: unknown;
  private requestObjectDone = false;

  constructor(readonly id: string) {}

  get active(): boolean {
    return this.config.level !== 'None';
  }

  /** RequestReceived's time, as events write it. */
  get receivedAt(): string {
    return (this.receivedText ??= formatMicroTime(this.receivedMs));
  }

  /** Adds an annotation to this request's events (the first value given for a key stays). */
  annotate(key: string, value: string): void {
    if (!this.active) return;
    if (this.annotations && key in this.annotations) return;
    if (this.annotationsHeld || !this.annotations) {
      this.annotations = Object.assign(Object.create(null) as Record<string, string>, this.annotations);
      this.annotationsHeld = false;
    }
    this.annotations[key] = value;
  }

  /**
   * Records a stage now; its event is built when a backend writes it, so the request's answer does not wait for
   * the event, and a batch built and serialised in one pass costs less than the same work done a request at a time.
   * What changes later (the user once impersonation is known, annotations, the request body once read) is taken as
   * it is now.
   */
  record(stage: Stage, response?: StageResponse): PendingEvent {
    if (this.annotations) this.annotationsHeld = true;
    const bodyRead = this.requestBytes !== undefined || this.requestObjectDone;
    const heldBytes = (this.requestBytes?.byteLength ?? 0) + (response?.object !== undefined ? (response.bodyBytes ?? 0) : 0);
    return new RecordedStage(this, stage, performance.now(), response, this.user, this.impersonatedUser, this.annotations, bodyRead, heldBytes);
  }

  /** The decoded request object (JSON, YAML or protobuf), or undefined when there is none or it does not decode. */
  requestObject(): unknown {
    if (this.requestObjectDone) return this.requestObjectMemo;
    // Not read yet (the RequestReceived event comes before the handler reads the body): nothing to show now.
    const bytes = this.requestBytes;
    if (!bytes || !this.facts) return undefined;
    this.requestObjectDone = true;
    // decoded once: the bytes are not needed again
    this.requestBytes = undefined;
    try {
      if (bytes.byteLength === 0) return undefined;
      const type = this.facts.contentType;
      if (isProtobufContentType(type)) {
        const d = decodeKubernetesProtobuf(bytes);
        this.requestObjectMemo = { ...d.object, apiVersion: d.apiVersion, kind: d.kind };
      } else if (type.endsWith('yaml')) {
        const text = Buffer.from(bytes).toString('utf8');
        // a body the decoder refuses as too deep is not parsed here either (the parser recurses per level)
        if (yamlMayNestDeeperThan(text, maxJsonDepth)) return undefined;
        this.requestObjectMemo = parseYaml(text, { maxAliasCount: 100 });
      } else {
        this.requestObjectMemo = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      }
    } catch {
      this.requestObjectMemo = undefined;
    }
    return this.requestObjectMemo;
  }

  /** The event of a recorded stage. */
  eventOf(r: RecordedStage): AuditEvent {
    const f = this.facts!;
    const a = f.attributes;
    const level = this.config.level;
    const response = r.response;
    const ev: AuditEvent = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: this.id,
      stage: r.stage,
      requestURI: f.requestURI,
      verb: a.verb,
      user: userOf(r.user),
      requestReceivedTimestamp: this.receivedAt,
      stageTimestamp: r.stage === 'RequestReceived' ? this.receivedAt : formatMicroTime(performance.timeOrigin + r.atMs),
    };
    if (r.impersonatedUser) ev.impersonatedUser = userOf(r.impersonatedUser);
    if (f.sourceIPs.length > 0) ev.sourceIPs = f.sourceIPs;
    if (f.userAgent) ev.userAgent = f.userAgent;
    if (a.resourceRequest) ev.objectRef = this.objectRef(r.bodyRead);
    if (response) ev.responseStatus = response.status;
    if (r.bodyRead && levelAtLeast(level, 'Request') && a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') {
      const obj = this.requestObject();
      if (obj !== undefined) ev.requestObject = this.config.omitManagedFields ? withoutManagedFields(obj) : obj;
    }
    if (response?.object !== undefined && levelAtLeast(level, 'RequestResponse')) {
      ev.responseObject = this.config.omitManagedFields ? withoutManagedFields(response.object) : response.object;
    }
    if (r.annotations) ev.annotations = { ...r.annotations };
    return ev;
  }

  private objectRef(bodyRead: boolean): ObjectReference {
    const f = this.facts!;
    const a = f.attributes;
    const ref: ObjectReference = { resource: a.resource };
    if (a.namespace) ref.namespace = a.namespace;
    let name = a.name;
    // A create names its object in the body; the request object says which.
    if (!name && bodyRead && a.verb === 'create' && !a.subresource) {
      const meta = metadataOf(this.requestObject());
      if (typeof meta?.name === 'string') name = meta.name;
    }
    if (name) ref.name = name;
    if (a.apiGroup) ref.apiGroup = a.apiGroup;
    ref.apiVersion = f.apiVersion;
    if (a.subresource) ref.subresource = a.subresource;
    return ref;
  }
}

export interface StageResponse {
  status: ResponseStatus;
  object?: unknown;
  /** The length of the body `object` was read from. */
  bodyBytes?: number;
}

/** One stage of one request as it was when it happened; its event is built once, on first use. */
class RecordedStage implements PendingEvent {
  private built: AuditEvent | undefined;

  constructor(
    private readonly audit: RequestAudit,
    readonly stage: Stage,
    /** performance.now() when the stage happened. */
    readonly atMs: number,
    readonly response: StageResponse | undefined,
    readonly user: UserInfo | undefined,
    readonly impersonatedUser: UserInfo | undefined,
    readonly annotations: Readonly<Record<string, string>> | undefined,
    /** Whether the request body had been read (an event before that shows neither the object nor a created name). */
    readonly bodyRead: boolean,
    /** The request body's bytes this record keeps until its event is built, and the response body's it shows. */
    readonly heldBytes: number,
  ) {}

  event(): AuditEvent {
    return (this.built ??= this.audit.eventOf(this));
  }
}

function metadataOf(obj: unknown): Record<string, unknown> | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const m = (obj as Record<string, unknown>).metadata;
  return typeof m === 'object' && m !== null ? (m as Record<string, unknown>) : undefined;
}

/** A copy without metadata.managedFields (on the object, or on each item of a list). */
export function withoutManagedFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return obj;
  const o = obj as Record<string, unknown>;
  const out: Record<string, unknown> = { ...o };
  const meta = metadataOf(o);
  if (meta && 'managedFields' in meta) {
    const { managedFields: _drop, ...rest } = meta;
    out.metadata = rest;
  }
  if (Array.isArray(o.items)) out.items = o.items.map(withoutManagedFields);
  return out;
}
