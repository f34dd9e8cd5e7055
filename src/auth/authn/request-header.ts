// Request-header authentication (kube-apiserver's --requestheader-* flags): a front proxy that presents a client
// certificate of the request-header CA (and, when names are listed, one of those common names) tells who the user
// is in headers — X-Remote-User, one X-Remote-Group line per group, X-Remote-Extra-<key> per extra value,
// optionally a UID header. A request without the username header is not this kind of credential.
import type { Authenticator, AuthnRequest, AuthnResult } from '../types.js';
import { clientChainVerifier } from './x509.js';

export interface RequestHeaderOptions {
  /** The CA that signs the front proxy's client certificates (--requestheader-client-ca-file). */
  clientCA: string;
  /** Common names a front proxy may have; empty allows any certificate of the CA (--requestheader-allowed-names). */
  allowedNames: readonly string[];
  /** The first of these headers with a value is the user name (--requestheader-username-headers). */
  usernameHeaders: readonly string[];
  /** Every value of these headers is a group (--requestheader-group-headers). */
  groupHeaders: readonly string[];
  /** Headers starting with these carry extra values; the rest of the name is the key (--requestheader-extra-headers-prefix). */
  extraHeaderPrefixes: readonly string[];
  /** The first of these headers with a value is the user's UID (--requestheader-uid-headers). */
  uidHeaders?: readonly string[];
  now?: () => Date;
}

/** kubeadm's settings, which a-kube uses with its front-proxy CA. */
export const defaultRequestHeaderNames = {
  allowedNames: ['front-proxy-client'],
  usernameHeaders: ['X-Remote-User'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
} as const;

type Headers = AuthnRequest['headers'];

/** Every non-empty value of a header, one per header line. */
function values(headers: Headers, name: string): string[] {
  const key = name.toLowerCase();
  const v = Object.hasOwn(headers, key) ? headers[key] : undefined;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => x !== '');
}

function first(headers: Headers, names: readonly string[]): string {
  for (const n of names) {
    const [v] = values(headers, n);
    if (v !== undefined) return v;
  }
  return '';
}

/** An extra key is the header name after the prefix, lower-cased and %-decoded (kept as is when malformed). */
function extraKey(rest: string): string {
  try {
    return decodeURIComponent(rest.toLowerCase());
  } catch {
    return rest.toLowerCase();
  }
}

export function requestHeaderAuthenticator(opts: RequestHeaderOptions): Authenticator {
  const verify = clientChainVerifier(opts.clientCA, opts.now);
  const prefixes = opts.extraHeaderPrefixes.map((p) => p.toLowerCase());
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const certs = req.peerCertificates ?? [];
      if (certs.length === 0) return { kind: 'skip' };
      const v = verify(certs);
      if (v.kind !== 'ok') return v;
      if (opts.allowedNames.length > 0 && !opts.allowedNames.includes(v.commonName)) return { kind: 'fail', reason: `x509: subject with cn=${v.commonName} is not in the allowed list` };
      const name = first(req.headers, opts.usernameHeaders);
      if (name === '') return { kind: 'skip' };
      const groups = opts.groupHeaders.flatMap((h) => values(req.headers, h));
      const extra: Record<string, string[]> = {};
      for (const prefix of prefixes) {
        for (const [header, value] of Object.entries(req.headers)) {
          if (value === undefined || !header.startsWith(prefix) || header.length === prefix.length) continue;
          const key = extraKey(header.slice(prefix.length));
          const list = Object.hasOwn(extra, key) ? extra[key]! : [];
          list.push(...(Array.isArray(value) ? value : [value]));
          Object.defineProperty(extra, key, { value: list, enumerable: true, writable: true, configurable: true });
        }
      }
      const uid = first(req.headers, opts.uidHeaders ?? []);
      return { kind: 'ok', user: { name, ...(uid !== '' ? { uid } : {}), groups, ...(Object.keys(extra).length > 0 ? { extra } : {}) } };
    },
  };
}
