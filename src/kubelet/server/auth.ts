// Who is calling the node agent, and may they: client certificates from the cluster CA (or bearer tokens through
// TokenReview), then a SubjectAccessReview on the node object, as the kubelet's webhook authn/authz do.
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { isRecord } from '../../api/object.js';
import type { RestClient } from '../../client/rest.js';
import { certificateSubject } from '../../pki/subject.js';

export interface Caller {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface NodeAttributes {
  verb: string;
  /** proxy, log, stats, metrics, spec, checkpoint, healthz. */
  subresource: string;
}

/** The node subresource and verb the kubelet checks for a request path and method. */
export function nodeAttributes(method: string, path: string): NodeAttributes {
  const verbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = verbs[method.toUpperCase()] ?? method.toLowerCase();
  const prefixes: [string, string][] = [['/stats', 'stats'], ['/metrics', 'metrics'], ['/logs', 'log'], ['/spec', 'spec'], ['/checkpoint', 'checkpoint'], ['/healthz', 'healthz']];
  for (const [prefix, sub] of prefixes) if (path === prefix || path.startsWith(`${prefix}/`)) return { verb, subresource: sub };
  return { verb, subresource: 'proxy' };
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export interface NodeAuthOptions {
  nodeName: string;
  /** The node's own client, which may create TokenReviews and SubjectAccessReviews. */
  client: RestClient;
  now?: () => number;
  /** How long answers are reused (the kubelet's defaults: 5 minutes when allowed, 30 s when denied). */
  allowTtlMs?: number;
  denyTtlMs?: number;
}

export interface NodeAuth {
  /** undefined: no credential (anonymous is not allowed on the node agent); throws for a bad one. */
  authenticate(req: IncomingMessage): Promise<Caller | undefined>;
  authorize(caller: Caller, attrs: NodeAttributes): Promise<{ allowed: boolean; reason: string }>;
}

export function createNodeAuth(o: NodeAuthOptions): NodeAuth {
  const now = o.now ?? Date.now;
  const cache = new Map<string, { allowed: boolean; reason: string; until: number }>();
  const tokens = new Map<string, { caller: Caller | undefined; until: number }>();
  return {
    async authenticate(req) {
      const socket = req.socket as TLSSocket;
      if (socket.authorized) {
        const peer = socket.getPeerCertificate();
        if (peer?.raw) {
          const { commonName, organizations } = certificateSubject(peer.raw);
          return { name: commonName, groups: [...organizations, 'system:authenticated'] };
        }
      }
      const auth = req.headers.authorization;
      const m = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
      if (!m?.[1]) return undefined;
      const token = m[1];
      const cached = tokens.get(token);
      if (cached && cached.until > now()) return cached.caller;
      const review = await o.client.create<Record<string, unknown>>('/apis/authentication.k8s.io/v1/tokenreviews', {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token },
      });
      const status = isRecord(review['status']) ? review['status'] : {};
      const user = isRecord(status['user']) ? status['user'] : {};
      const caller: Caller | undefined = status['authenticated'] === true && typeof user['username'] === 'string'
        ? { name: user['username'], groups: strings(user['groups']), ...(typeof user['uid'] === 'string' ? { uid: user['uid'] } : {}) }
        : undefined;
      if (tokens.size > 10_000) tokens.clear();
      tokens.set(token, { caller, until: now() + (caller ? 120_000 : 10_000) });
      return caller;
    },
    async authorize(caller, attrs) {
      const key = JSON.stringify([caller.name, caller.uid ?? '', [...caller.groups].sort(), attrs.verb, attrs.subresource]);
      const hit = cache.get(key);
      if (hit && hit.until > now()) return hit;
      const review = await o.client.create<Record<string, unknown>>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: caller.name,
          groups: caller.groups,
          ...(caller.uid ? { uid: caller.uid } : {}),
          ...(caller.extra ? { extra: caller.extra } : {}),
          resourceAttributes: { verb: attrs.verb, group: '', version: 'v1', resource: 'nodes', subresource: attrs.subresource, name: o.nodeName },
        },
      });
      const status = isRecord(review['status']) ? review['status'] : {};
      const allowed = status['allowed'] === true;
      const answer = { allowed, reason: typeof status['reason'] === 'string' ? status['reason'] : '' };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { ...answer, until: now() + (allowed ? (o.allowTtlMs ?? 300_000) : (o.denyTtlMs ?? 30_000)) });
      return answer;
    },
  };
}

/** The kubelet's 403 text. */
export function forbiddenText(caller: Caller, attrs: NodeAttributes): string {
  return `Forbidden (user=${caller.name}, verb=${attrs.verb}, resource=nodes, subresource(s)=[${attrs.subresource}])\n`;
}
