// Shared set-up for CRD tests through the in-process API server.
import type { TestServer } from '../apiserver/helpers.js';

export type Obj = Record<string, any>;

/** Waits until the CRD reports Established=True and answers it. */
export async function established(s: TestServer, name: string): Promise<Obj> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const r = await s.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    const crd = r.json() as Obj;
    const conds = (crd['status']?.['conditions'] ?? []) as Array<Record<string, string>>;
    if (conds.some((c) => c['type'] === 'Established' && c['status'] === 'True')) return crd;
    if (Date.now() > deadline) throw new Error(`not established: ${r.text}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

/** Polls `read` until `done` holds for its answer (at most 3s), and returns that answer. */
export async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** A minimal structural CRD with an open `spec`, for tests that do not look at schemas. */
export function simpleCrd(group: string, plural: string, kind: string, scope: 'Namespaced' | 'Cluster', extra: Obj = {}): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, ...extra },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      }],
    },
  };
}
