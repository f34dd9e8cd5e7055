// Loading and merging kubeconfig files the way kubectl does, and resolving them (plus command-line
// overrides) into a ClientConfig. Writing lives in ./kubeconfig-write.ts.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { isRecord } from '../api/object.js';
import { refuseDeepYaml } from '../api/yaml-depth.js';
import type { ClientConfig } from './config-types.js';

export interface NamedEntry {
  name: string;
  /** The entry's fields (cluster, context or user) as the file has them; relative paths resolve against `file`. */
  value: Record<string, unknown>;
  /** The file it came from. */
  file: string;
}

export interface Kubeconfig {
  /** Files that exist, in precedence order (the first to set a key wins). */
  files: string[];
  /** Where new content is written when no file holds the entry: the first file of the chain. */
  writeTarget: string;
  currentContext: string;
  clusters: Map<string, NamedEntry>;
  contexts: Map<string, NamedEntry>;
  users: Map<string, NamedEntry>;
  preferences: Record<string, unknown>;
}

export interface KubeconfigSources {
  /** --kubeconfig */
  explicitPath?: string;
  env?: Record<string, string | undefined>;
  home?: string;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

/** The files kubectl would read: --kubeconfig, else $KUBECONFIG's list, else the a-kube admin file and ~/.kube/config. */
export function kubeconfigChain(src: KubeconfigSources): { files: string[]; explicit: boolean } {
  if (src.explicitPath) return { files: [resolve(src.explicitPath)], explicit: true };
  const envList = src.env?.KUBECONFIG;
  if (envList) {
    const files = [...new Set(envList.split(delimiter).filter((f) => f !== '').map((f) => resolve(f)))];
    return { files, explicit: false };
  }
  const home = src.home ?? src.env?.HOME ?? homedir();
  return { files: [join(home, '.a-kube', 'admin.kubeconfig'), join(home, '.kube', 'config')], explicit: false };
}

const pathFields: Record<'clusters' | 'users', string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

export async function loadKubeconfig(src: KubeconfigSources): Promise<Kubeconfig> {
  const { files, explicit } = kubeconfigChain(src);
  if (explicit && !existsSync(files[0] ?? '')) throw new KubeconfigError(`stat ${src.explicitPath}: no such file or directory`);
  const present = files.filter((f) => existsSync(f));
  const out: Kubeconfig = {
    files: present,
    writeTarget: present[0] ?? files[0] ?? join(homedir(), '.kube', 'config'),
    currentContext: '',
    clusters: new Map(),
    contexts: new Map(),
    users: new Map(),
    preferences: {},
  };
  if (present.length === 0) return out;
  const { parse } = await import('yaml');
  const { kubeYamlOptions } = await import('./yaml.js');
  for (const file of present) {
    const text = readFileSync(file, 'utf8');
    let doc: unknown;
    try {
      refuseDeepYaml(text);
      doc = text.trim() === '' ? {} : parse(text, kubeYamlOptions);
    } catch (e) {
      throw new KubeconfigError(`error loading config file "${file}": ${e instanceof Error ? e.message : String(e)}`);
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new KubeconfigError(`error loading config file "${file}": not a kubeconfig`);
    if (!out.currentContext && typeof doc['current-context'] === 'string') out.currentContext = doc['current-context'];
    mergeNamed(out.clusters, doc.clusters, 'cluster', file);
    mergeNamed(out.contexts, doc.contexts, 'context', file);
    mergeNamed(out.users, doc.users, 'user', file);
  }
  return out;
}

function mergeNamed(into: Map<string, NamedEntry>, list: unknown, key: string, file: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || into.has(item.name)) continue;
    into.set(item.name, { name: item.name, value: isRecord(item[key]) ? { ...item[key] } : {}, file });
  }
}

/** The entry with its file paths made absolute (relative to the file that holds it). */
function withAbsolutePaths(entry: NamedEntry | undefined, paths: string[]): Record<string, unknown> | undefined {
  if (!entry) return undefined;
  const value = { ...entry.value };
  for (const p of paths) {
    const v = value[p];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) value[p] = join(dirname(entry.file), v);
  }
  return value;
}

export interface ConfigOverrides {
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
  server?: string;
  /** More servers of the same cluster (--server given several times): tried in turn when one cannot be reached. */
  fallbackServers?: string[];
  token?: string;
  username?: string;
  password?: string;
  insecureSkipTLSVerify?: boolean;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  tlsServerName?: string;
  as?: string;
  asGroups?: string[];
  asUid?: string;
  /** "0", "30s", "2m", "1h", or a plain number of seconds */
  requestTimeout?: string;
}

export interface ResolvedConfig {
  client: ClientConfig;
  namespace: string;
  /** True when the namespace came from -n (kubectl's "enforce namespace" rules depend on it). */
  namespaceExplicit: boolean;
  contextName: string;
  clusterName: string;
  userName: string;
}

const str = (r: Record<string, unknown> | undefined, k: string): string | undefined => {
  const v = r?.[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

function dataOrFile(r: Record<string, unknown> | undefined, dataKey: string, fileKey: string, what: string): Buffer | undefined {
  const data = str(r, dataKey);
  if (data) return Buffer.from(data, 'base64');
  const file = str(r, fileKey);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch {
    throw new KubeconfigError(`unable to read ${what} from "${file}"`);
  }
}

function readFileFlag(path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch {
    throw new KubeconfigError(`open ${path}: no such file or directory`);
  }
}

export function parseTimeout(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== text.length || text === '') {
    throw new KubeconfigError(`Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)`);
  }
  return total;
}

/** The cluster extension that lists more servers of one cluster: `extensions: [{name: a-kube.io/servers, extension: {servers: [URL…]}}]`. */
export const serversExtension = 'a-kube.io/servers';
export const maxServers = 16;

/** The further servers a kubeconfig cluster entry lists in its a-kube.io/servers extension. */
export function clusterServers(cluster: Record<string, unknown> | undefined): string[] {
  const extensions = cluster?.['extensions'];
  if (!Array.isArray(extensions)) return [];
  for (const ext of extensions) {
    if (!isRecord(ext) || ext['name'] !== serversExtension || !isRecord(ext['extension'])) continue;
    const servers = ext['extension']['servers'];
    if (!Array.isArray(servers)) throw new KubeconfigError(`cluster extension ${serversExtension}: "servers" must be a list of URLs`);
    if (servers.length > maxServers) throw new KubeconfigError(`cluster extension ${serversExtension}: at most ${maxServers} servers`);
    return servers.map((s) => {
      if (typeof s !== 'string' || !URL.canParse(/^[a-z]+:\/\//.test(s) ? s : `https://${s}`)) throw new KubeconfigError(`cluster extension ${serversExtension}: ${JSON.stringify(s)} is not a server URL`);
      return s;
    });
  }
  return [];
}

/** Picks context, cluster and user, applies the flags over them, and reads the credentials. */
export function resolveConfig(kc: Kubeconfig, o: ConfigOverrides = {}): ResolvedConfig {
  const contextName = o.context ?? kc.currentContext;
  const ctx = contextName ? kc.contexts.get(contextName) : undefined;
  if (o.context && !ctx) throw new KubeconfigError(`context was not found for specified context: ${o.context}`);
  const clusterName = o.cluster ?? str(ctx?.value, 'cluster') ?? '';
  const userName = o.user ?? str(ctx?.value, 'user') ?? '';
  const cluster = clusterName ? withAbsolutePaths(kc.clusters.get(clusterName), pathFields.clusters) : undefined;
  const user = userName ? withAbsolutePaths(kc.users.get(userName), pathFields.users) : undefined;
  if (o.user && !user) throw new KubeconfigError(`auth info "${o.user}" does not exist`);
  if (o.cluster && !cluster && !o.server) throw new KubeconfigError(`no server found for cluster "${o.cluster}"`);

  const server = o.server ?? str(cluster, 'server') ?? 'http://localhost:8080';
  const insecure = o.insecureSkipTLSVerify ?? cluster?.['insecure-skip-tls-verify'] === true;
  const withScheme = (s: string) => (/^[a-z]+:\/\//.test(s) ? s : `https://${s}`);
  const client: ClientConfig = { server: withScheme(server) };
  const fallbackServers = o.server !== undefined ? o.fallbackServers ?? [] : clusterServers(cluster);
  if (fallbackServers.length > 0) client.fallbackServers = fallbackServers.map(withScheme);
  if (insecure) client.insecureSkipTLSVerify = true;
  else {
    const ca = readFileFlag(o.certificateAuthority) ?? dataOrFile(cluster, 'certificate-authority-data', 'certificate-authority', 'certificate-authority');
    if (ca) client.caData = ca;
  }
  const tlsServerName = o.tlsServerName ?? str(cluster, 'tls-server-name');
  if (tlsServerName) client.tlsServerName = tlsServerName;

  const cert = readFileFlag(o.clientCertificate) ?? dataOrFile(user, 'client-certificate-data', 'client-certificate', 'client-certificate');
  const key = readFileFlag(o.clientKey) ?? dataOrFile(user, 'client-key-data', 'client-key', 'client-key');
  if (cert && key) {
    client.certData = cert;
    client.keyData = key;
  }
  const token = o.token ?? str(user, 'token');
  const tokenFile = str(user, 'tokenFile');
  if (token) client.token = token;
  else if (tokenFile) client.tokenFile = tokenFile;
  const username = o.username ?? str(user, 'username');
  const password = o.password ?? str(user, 'password');
  if (username !== undefined && password !== undefined) {
    client.username = username;
    client.password = password;
  }
  const asUser = o.as ?? str(user, 'as');
  if (asUser || o.asGroups?.length || o.asUid) {
    client.impersonate = {
      ...(asUser ? { user: asUser } : {}),
      ...(o.asGroups?.length ? { groups: o.asGroups } : {}),
      ...(o.asUid ? { uid: o.asUid } : {}),
    };
  }
  if (o.requestTimeout && o.requestTimeout !== '0') client.timeoutMs = parseTimeout(o.requestTimeout);

  const namespace = o.namespace ?? str(ctx?.value, 'namespace') ?? 'default';
  return { client, namespace, namespaceExplicit: o.namespace !== undefined, contextName: contextName ?? '', clusterName, userName };
}
