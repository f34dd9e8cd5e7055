// The node agent's streaming and log paths, as the kubelet serves them:
//   /containerLogs/{namespace}/{pod}/{container}
//   /exec|/attach/{namespace}/{pod}/{container}  and  /exec|/attach/{namespace}/{pod}/{uid}/{container}
//   /portForward/{namespace}/{pod}  and  /portForward/{namespace}/{pod}/{uid}
//   /stats/summary (the node's and its pods' CPU and memory usage)
import type { PodRef } from './types.js';

export type NodePath =
  | { kind: 'containerLogs'; pod: PodRef; container: string }
  | { kind: 'exec' | 'attach'; pod: PodRef; container: string }
  | { kind: 'portForward'; pod: PodRef }
  | { kind: 'logs'; file: string }
  | { kind: 'healthz' }
  | { kind: 'statsSummary' };

function segments(path: string): string[] | undefined {
  const parts = path.split('/').slice(1);
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

export function parseNodePath(pathname: string): NodePath | undefined {
  if (pathname === '/healthz') return { kind: 'healthz' };
  if (pathname === '/stats/summary') return { kind: 'statsSummary' };
  if (pathname === '/logs' || pathname.startsWith('/logs/')) return { kind: 'logs', file: pathname.slice('/logs'.length).replace(/^\/+/, '') };
  const s = segments(pathname);
  if (!s || s.some((x) => x === '')) return undefined;
  const [head, namespace, name, a, b] = s;
  if (!namespace || !name) return undefined;
  switch (head) {
    case 'containerLogs':
      return a !== undefined && s.length === 4 ? { kind: 'containerLogs', pod: { namespace, name }, container: a } : undefined;
    case 'exec':
    case 'attach':
      if (s.length === 4 && a) return { kind: head, pod: { namespace, name }, container: a };
      if (s.length === 5 && a && b) return { kind: head, pod: { namespace, name, uid: a }, container: b };
      return undefined;
    case 'portForward':
      if (s.length === 3) return { kind: 'portForward', pod: { namespace, name } };
      if (s.length === 4 && a) return { kind: 'portForward', pod: { namespace, name, uid: a } };
      return undefined;
    default:
      return undefined;
  }
}

/** kubelet's boolean query values: "1", "true" (any case). */
export function truthy(v: string | null): boolean {
  return v !== null && (v === '1' || v.toLowerCase() === 'true');
}
