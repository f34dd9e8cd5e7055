// The API server benchmark's request scenarios, each paired with what the bare server answers in its place.
import type { H2Request } from './h2-client.js';
import { benchPodBody } from './pod.js';

export const namespaces = { get: 'bench-1k', list1k: 'bench-1k', list10k: 'bench-10k', create: 'bench-create', watch: 'bench-watch' } as const;

export interface Scenario {
  name: string;
  expectStatus: number;
  /** GET and LIST have the aim of costing at most this many times the bare server's request. */
  aim?: number;
  /** From this many clients on, measured once, after everything else: too slow to repeat, and it can leave the server bloated. */
  onceFrom?: number;
  akube: (seq: number, tag: string) => H2Request;
  baseline: (seq: number, tag: string) => H2Request;
}

const jsonHeaders = { accept: 'application/json', 'user-agent': 'a-kube-bench' };
const postHeaders = { ...jsonHeaders, 'content-type': 'application/json' };

export function podName(i: number): string {
  return `pod-${String(i).padStart(5, '0')}`;
}

export function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/pods`;
}

export function createPod(namespace: string, name: string): H2Request {
  return { method: 'POST', path: podsPath(namespace), headers: postHeaders, body: benchPodBody(name, namespace) };
}

export function getPath(path: string): H2Request {
  return { method: 'GET', path, headers: jsonHeaders };
}

export function createNamespace(name: string): H2Request {
  return { method: 'POST', path: '/api/v1/namespaces', headers: postHeaders, body: Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })) };
}

/** The namespace's `default` ServiceAccount, which pods need; made here when no controller has made it yet (201, or 409). */
export function createDefaultServiceAccount(namespace: string): H2Request {
  return {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    headers: postHeaders,
    body: Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } })),
  };
}

/** The bare server's bodies, named as the scenarios below fetch them; each is the a-kube answer it stands for. */
export const baselineBodies = {
  pod: () => getPath(`${podsPath(namespaces.get)}/${podName(0)}`),
  'list-1k': () => getPath(podsPath(namespaces.list1k)),
  'list-10k': () => getPath(podsPath(namespaces.list10k)),
} as const;

export function scenarios(podsInGetNamespace: number): Scenario[] {
  return [
    {
      name: 'get pod',
      expectStatus: 200,
      aim: 3,
      akube: (seq) => getPath(`${podsPath(namespaces.get)}/${podName(seq % podsInGetNamespace)}`),
      baseline: () => getPath('/bodies/pod'),
    },
    {
      name: 'list 1k pods',
      expectStatus: 200,
      aim: 3,
      akube: () => getPath(podsPath(namespaces.list1k)),
      baseline: () => getPath('/bodies/list-1k'),
    },
    {
      name: 'list 10k pods',
      expectStatus: 200,
      aim: 3,
      onceFrom: 64,
      akube: () => getPath(podsPath(namespaces.list10k)),
      baseline: () => getPath('/bodies/list-10k'),
    },
    {
      name: 'create pod',
      expectStatus: 201,
      akube: (seq, tag) => createPod(namespaces.create, `c-${tag}-${seq}`),
      // The same request body, answered with a created pod of the usual size.
      baseline: (seq, tag) => ({ ...createPod(namespaces.create, `c-${tag}-${seq}`), path: '/bodies/pod' }),
    },
  ];
}
