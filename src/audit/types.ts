// The audit.k8s.io/v1 shapes a-kube writes and reads: Event, EventList and Policy.
import type { UserInfo } from '../auth/types.js';

export const levels = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type Level = (typeof levels)[number];

export const stages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type Stage = (typeof stages)[number];

/** How much an event records, by level: Request and above carry the request body, RequestResponse the response. */
export function levelAtLeast(level: Level, floor: Level): boolean {
  return levels.indexOf(level) >= levels.indexOf(floor);
}

export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface ResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code: number;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: Level;
  auditID: string;
  stage: Stage;
  requestURI: string;
  verb: string;
  user: Partial<UserInfo> & { username?: string };
  impersonatedUser?: Partial<UserInfo> & { username?: string };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus?: ResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/**
 * An event as the API server hands it over: the stage is recorded, the event is built on the first call (and the
 * same object returned after), so a backend builds events when it writes them, not while the request runs.
 */
export interface PendingEvent {
  event(): AuditEvent;
  /** Bytes (a request body) kept alive until the event is built; a backend holding events builds them sooner past a bound. */
  readonly heldBytes?: number;
}

/** Where events go. process() must not block the request: backends buffer and write on their own time. */
export interface AuditBackend {
  readonly name: string;
  process(events: readonly PendingEvent[]): void;
  /** Writes what is buffered (used at shutdown and by tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface GroupResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export interface Policy {
  apiVersion: 'audit.k8s.io/v1';
  kind: 'Policy';
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy decides for one request. */
export interface RequestAuditConfig {
  level: Level;
  omitStages: ReadonlySet<Stage>;
  omitManagedFields: boolean;
}

/** The request attributes a policy rule looks at. */
export interface PolicyAttributes {
  user: UserInfo | undefined;
  verb: string;
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}
