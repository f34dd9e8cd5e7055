// Registry credentials from a pod's pull secrets, looked up for one image as the kubelet's credential keyring does:
// - each `.dockerconfigjson` (`auths`) or `.dockercfg` entry is keyed by its registry without scheme, with its
//   path ("https://registry.example/v1/" → "registry.example", "registry.example/team" stays as it is);
// - a key matches an image's repository ("docker.io/library/nginx", see reference.ts) when the port is the same,
//   the host has as many dot-separated labels and each matches (a label may be a pattern: "*.example.com"),
//   and the key's path is a prefix of the repository's path;
// - the matching keys are tried longest-sorting first (reverse lexical order, so "registry.example/team" before
//   "registry.example"), each key's credentials in the order of the secrets that hold them;
// - with no match, a Docker Hub image takes the credentials of "index.docker.io" (the key `docker login` writes).
// Entries give a user name and password; `auth` (base64 "user:password"), when set, supplies both instead.
import { globMatch } from './glob.js';

export interface RegistryCredential {
  username: string;
  password: string;
  /** The secret the credential came from. */
  secret: string;
}

export interface Keyring {
  /** Keys, most specific first. */
  readonly keys: readonly string[];
  readonly credentials: ReadonlyMap<string, readonly RegistryCredential[]>;
}

/** A pull secret that cannot be read: the pull fails with this error, as the kubelet's does. */
export class DockerConfigError extends Error {
  override name = 'DockerConfigError';
}

export interface PullSecret {
  name: string;
  type: string;
  /** The secret's data, base64 values as the API serves them. */
  data: Record<string, unknown>;
}

interface Address {
  /** host[:port] as written. */
  authority: string;
  host: string;
  port: string;
  path: string;
}

/**
 * Splits "host[:port][/path]" (after an optional http:// or https://) into its parts; undefined when the port is
 * not a number. User information before '@' and any query or fragment are dropped.
 */
function parseAddress(value: string): Address | undefined {
  const rest = value.replace(/^https?:\/\//, '');
  const end = rest.search(/[/?#]/);
  let authority = end < 0 ? rest : rest.slice(0, end);
  const path = end < 0 || rest[end] !== '/' ? '' : rest.slice(end).replace(/[?#].*$/s, '');
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  let host = authority;
  let port = '';
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return undefined;
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !/^:\d*$/.test(after)) return undefined;
    port = after.slice(1);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      if (!/^\d*$/.test(authority.slice(colon + 1))) return undefined;
      // Exactly one colon separates a port; more leave the whole as the host.
      if (authority.indexOf(':') === colon) {
        host = authority.slice(0, colon);
        port = authority.slice(colon + 1);
      }
    }
  }
  return { authority, host, port, path };
}

/** The keyring key of a docker config entry's name, or undefined when the name cannot be parsed. */
export function keyringKey(entryName: string): string | undefined {
  const a = parseAddress(entryName);
  if (!a) return undefined;
  let path = a.path;
  if (path.startsWith('/v1/') || path.startsWith('/v2/')) path = path.slice(3);
  return path !== '' && path !== '/' ? a.authority + path : a.authority;
}

/** Whether the keyring key `glob` (host labels may be patterns) matches `target` (an image's repository). */
export function urlsMatch(glob: string, target: string): boolean {
  const g = parseAddress(glob);
  const t = parseAddress(target);
  if (!g || !t) return false;
  if (g.port !== t.port) return false;
  const gl = g.host.split('.');
  const tl = t.host.split('.');
  if (gl.length !== tl.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return gl.every((label, i) => globMatch(label, tl[i] as string));
}

/** JSON's object keys compared as Go's decoder does: case-insensitively, the last of equal keys winning. */
function field(o: Record<string, unknown>, name: string): unknown {
  let v: unknown;
  for (const [k, x] of Object.entries(o)) if (k.toLowerCase() === name) v = x;
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringField(entry: Record<string, unknown>, name: string, where: string): string {
  const v = field(entry, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new DockerConfigError(`${where}: ${name} is not a string`);
  return v;
}

/** base64 with or without padding (line breaks ignored), as the kubelet accepts it; undefined when it is not. */
function decodeBase64(s: string): Buffer | undefined {
  const t = s.replace(/[\r\n]/g, '');
  const padded = t.trim().endsWith('=');
  const ok = padded ? t.length % 4 === 0 && /^[A-Za-z0-9+/]*={1,2}$/.test(t) : t.length % 4 !== 1 && /^[A-Za-z0-9+/]*$/.test(t);
  return ok ? Buffer.from(t, 'base64') : undefined;
}

/** One entry's user name and password: from `auth` when it is set, else from `username` and `password`. */
function entryCredential(entry: unknown, where: string): { username: string; password: string } {
  if (entry === null) return { username: '', password: '' };
  if (!isObject(entry)) throw new DockerConfigError(`${where} is not an object`);
  const auth = stringField(entry, 'auth', where);
  if (auth === '') return { username: stringField(entry, 'username', where), password: stringField(entry, 'password', where) };
  const bytes = decodeBase64(auth);
  if (!bytes) throw new DockerConfigError(`${where}: auth is not base64`);
  const decoded = bytes.toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new DockerConfigError(`${where}: unable to parse auth field, must be formatted as base64(username:password)`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The registry entries of a pull secret: `.dockerconfigjson` of a kubernetes.io/dockerconfigjson secret, or
 * `.dockercfg` of a kubernetes.io/dockercfg one; none for other types or an empty value. Throws DockerConfigError
 * for a value that is not such a document.
 */
export function dockerConfigEntries(secret: PullSecret): [string, unknown][] {
  const pick = secret.type === 'kubernetes.io/dockerconfigjson' ? '.dockerconfigjson' : secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : undefined;
  const raw = pick ? secret.data[pick] : undefined;
  if (typeof raw !== 'string' || raw === '') return [];
  const where = `secret "${secret.name}" ${pick}`;
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch (e) {
    throw new DockerConfigError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (doc === null) return [];
  if (!isObject(doc)) throw new DockerConfigError(`${where} is not a JSON object`);
  const auths = pick === '.dockerconfigjson' ? field(doc, 'auths') : doc;
  if (auths === undefined || auths === null) return [];
  if (!isObject(auths)) throw new DockerConfigError(`${where}: auths is not an object`);
  return Object.entries(auths);
}

/** The keyring of the secrets, in the pod's order. Throws DockerConfigError when one cannot be read. */
export function buildKeyring(secrets: readonly PullSecret[]): Keyring {
  const credentials = new Map<string, RegistryCredential[]>();
  for (const secret of secrets) {
    for (const [name, entry] of dockerConfigEntries(secret)) {
      const cred = entryCredential(entry, `secret "${secret.name}" entry "${name}"`);
      const key = keyringKey(name);
      if (key === undefined) continue;
      const list = credentials.get(key) ?? [];
      list.push({ ...cred, secret: secret.name });
      credentials.set(key, list);
    }
  }
  // Reverse byte order of the UTF-8 keys, as Go sorts strings.
  const keys = [...credentials.keys()].sort((a, b) => Buffer.compare(Buffer.from(b), Buffer.from(a)));
  return { keys, credentials };
}

/** Whether the repository is on Docker Hub by its first part (no registry host named). */
function onDockerHub(repository: string): boolean {
  const slash = repository.indexOf('/');
  if (slash === 0) return false;
  if (slash < 0) return true;
  const first = repository.slice(0, slash);
  return first === 'docker.io' || first === 'index.docker.io' || !/[.:]/.test(first);
}

/** The credentials to try for `repository` (see reference.ts), in order; empty when none apply. */
export function lookupCredentials(keyring: Keyring, repository: string): RegistryCredential[] {
  const found = keyring.keys.filter((k) => urlsMatch(k, repository)).flatMap((k) => keyring.credentials.get(k) ?? []);
  if (found.length > 0) return found;
  if (onDockerHub(repository)) return [...(keyring.credentials.get('index.docker.io') ?? [])];
  return [];
}
