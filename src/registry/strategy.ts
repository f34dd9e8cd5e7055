// One strategy per kind: the rules the generic store (src/registry/store.ts) applies around storage.
// Strategies are stateless values: `export const podStrategy = {...} satisfies Strategy`.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import type { FieldError } from '../api/status.js';

export interface TableColumn {
  name: string; // "Name", "Ready", "Age"
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string; // "name" for the name column, else ""
  description: string;
  priority: number; // 1 = shown only with -o wide
}

export interface TablePrinter {
  columns: TableColumn[];
  /** One row's cells, in column order, wide cells included. `now` is injected for AGE. */
  cells(obj: KubeObject, now: Date): unknown[];
}

/** Given to allocate(): what the generic store knows about the other objects of this resource. */
export interface AllocationContext {
  /** Every current object of the same resource (from the watch cache). */
  existing(): Promise<readonly Readonly<KubeObject>[]>;
}

/** Who sent a write (the authenticated user), for kinds that record it (CertificateSigningRequest). */
export interface RequestUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** An update-only subresource beyond status (certificatesigningrequests/approval): what it may change and its rules. */
export interface UpdateSubresource {
  prepare(obj: KubeObject, old: KubeObject): void;
  validate(obj: KubeObject, old: KubeObject): FieldError[];
}

export interface Strategy {
  /** The resource this strategy serves (from src/api/catalog.ts). */
  resource: ResourceInfo;
  /** Apply API defaulting (SetDefaults_*): runs on every decoded create/update/patch body. */
  defaults?(obj: KubeObject): void;
  /** Create-time rules: reset status, set generation=1, etc. Runs after defaults, before validate. */
  prepareForCreate?(obj: KubeObject): void;
  /** Update-time rules: keep old status (main resource) and bump generation on spec change. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  validate(obj: KubeObject): FieldError[];
  validateUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** PUT on a missing object creates it (e.g. leases, endpoints). */
  allowCreateOnUpdate?: boolean;
  /** PUT without metadata.resourceVersion is accepted (last write wins). */
  allowUnconditionalUpdate?: boolean;
  /** Delete returns the deleted object (true for pods, namespaces...) instead of a Success Status. */
  returnDeletedObject?: boolean;
  /** Default grace period for delete (pods: spec.terminationGracePeriodSeconds); undefined = immediate delete. */
  gracePeriodSeconds?(obj: KubeObject): number | undefined;
  /** The status subresource: copy everything but status from old onto the new object. */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  validateStatusUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /** pods/ephemeralcontainers: only spec.ephemeralContainers may change, and only by additions. */
  prepareForEphemeralContainersUpdate?(obj: KubeObject, old: KubeObject): void;
  validateEphemeralContainersUpdate?(obj: KubeObject, old: KubeObject): FieldError[];
  /**
   * Cluster-wide allocations on create/update (Service clusterIP/clusterIPs and nodePorts).
   * Called by the store after validate; returns field errors (e.g. an IP already allocated).
   */
  allocate?(obj: KubeObject, old: KubeObject | undefined, ctx: AllocationContext): Promise<FieldError[]>;
  /** Field-selector labels this kind supports beyond metadata.name/metadata.namespace (pods: spec.nodeName...). */
  fieldLabels?(obj: KubeObject): Record<string, string>;
  /** Create-time: record the requesting user in the object (after prepareForCreate, before validate). */
  fromRequester?(obj: KubeObject, user: RequestUser): void;
  /** Update subresources other than status and finalize, by name. */
  updateSubresources?: Record<string, UpdateSubresource>;
  /** Server-side printing; absent = the default "Name, Created At" table. */
  table?: TablePrinter;
}
