// Admission plugins (k8s apiserver/pkg/admission/interfaces.go): mutating plugins change the decoded
// object before the store writes it; validating plugins check it after the strategy's validation.
import type { KubeObject } from '../api/object.js';
import type { UserInfo } from '../auth/types.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/**
 * The plugins that look at CONNECT requests (pods/exec, pods/attach, pods/portforward, whose object is the
 * connect options): the dynamic ones. The built-in plugins check stored objects only.
 */
export const connectPlugins: ReadonlySet<string> = new Set(['MutatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook']);

export interface AdmissionRequest {
  operation: AdmissionOperation;
  resource: { group: string; version: string; resource: string; kind: string };
  subresource: string;
  namespace: string;
  /** May be empty on create when the object uses generateName. */
  name: string;
  /** Mutating plugins change it in place. On DELETE: a copy of the stored object (changes are ignored). */
  object: KubeObject;
  oldObject?: Readonly<KubeObject>;
  user: UserInfo;
  dryRun: boolean;
  /** Adds a warning to the response (a `Warning: 299` header, which kubectl prints). */
  warn?(message: string): void;
  /** Adds an annotation to the request's audit events (a key with a domain prefix, as kube-apiserver requires). */
  annotate?(key: string, value: string): void;
}

export interface AdmissionPlugin {
  name: string;
  handles(req: AdmissionRequest): boolean;
  /** Mutating: may change req.object; throws a StatusError to refuse. */
  admit?(req: AdmissionRequest): Promise<void>;
  /** Validating: throws a StatusError to refuse. */
  validate?(req: AdmissionRequest): Promise<void>;
}

/** Runs every mutating plugin that handles the request, in order. */
export async function runAdmit(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) if (p.admit && p.handles(req)) await p.admit(req);
}

/** Runs every validating plugin that handles the request, in order. */
export async function runValidate(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) if (p.validate && p.handles(req)) await p.validate(req);
}
