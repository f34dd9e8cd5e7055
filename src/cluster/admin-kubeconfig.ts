// DIR/admin.kubeconfig when several API servers share a data dir: the server that starts alone writes it afresh;
// each server that joins adds its URL to the cluster entry's a-kube.io/servers extension, so that a-kubectl and
// the components fail over to it. Readers and writers take turns on admin.kubeconfig.mutex, and every write
// goes to a file of its own that is renamed over the old one: a client never reads half a file.
// Entries stay when a server stops (it may come back on the same port; a client skips a server that refuses in
// one connection attempt); the next server that starts alone writes the file with itself only.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { kubeconfigYaml, type KubeconfigSpec } from '../pki/index.js';
import { maxServers, serversExtension } from '../client/kubeconfig.js';
import { withFileMutex } from './data-dir.js';
import { maxJsonDepth } from '../api/json-depth.js';
import { yamlMayNestDeeperThan } from '../api/yaml-depth.js';

function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    throw e;
  }
}

/** Writes the admin kubeconfig of a server that starts alone on its data dir (its URL only). */
export function writeAdminKubeconfig(path: string, spec: KubeconfigSpec): void {
  withFileMutex(path, () => writeAtomically(path, kubeconfigYaml(spec)));
}

export interface ServersEdit {
  /** Make this the cluster's `server` (the one every client tries first); the one it replaces heads the list. */
  primary?: string;
  /** Servers to list in the a-kube.io/servers extension, each once. */
  add?: string[];
}

export type ServersEditResult = { kind: 'changed'; servers: string[] } | { kind: 'unchanged'; servers: string[] } | { kind: 'refused'; reason: string };

/** The cluster entry of the current context, or the only cluster. */
function currentCluster(doc: Document): YAMLMap | undefined {
  const clusters = doc.get('clusters');
  if (!isSeq(clusters)) return undefined;
  const entries = clusters.items.filter(isMap);
  const context = doc.get('current-context');
  const contexts = doc.get('contexts');
  let name: unknown;
  if (typeof context === 'string' && isSeq(contexts)) {
    const ctx = contexts.items.filter(isMap).find((c) => c.get('name') === context);
    const body = ctx?.get('context');
    name = isMap(body) ? body.get('cluster') : undefined;
  }
  const entry = name !== undefined ? entries.find((c) => c.get('name') === name) : entries.length === 1 ? entries[0] : undefined;
  const cluster = entry?.get('cluster');
  return isMap(cluster) ? cluster : undefined;
}

/** The extension's `servers` list of `cluster`, made when missing. */
function serverList(doc: Document, cluster: YAMLMap): { urls: string[]; set: (urls: string[]) => void } | string {
  let extensions = cluster.get('extensions');
  if (extensions === undefined) {
    extensions = doc.createNode([]);
    cluster.set('extensions', extensions);
  }
  if (!isSeq(extensions)) return 'its extensions are not a list';
  let entry = extensions.items.filter(isMap).find((e) => e.get('name') === serversExtension);
  if (!entry) {
    entry = doc.createNode({ name: serversExtension, extension: { servers: [] } }) as YAMLMap;
    extensions.items.push(entry);
  }
  const ext = entry.get('extension');
  if (!isMap(ext)) return `its ${serversExtension} extension holds no map`;
  const servers = ext.get('servers');
  if (servers !== undefined && !isSeq(servers)) return `its ${serversExtension} servers are not a list`;
  const urls = isSeq(servers) ? servers.items.map((i) => (isScalar(i) ? String(i.value) : '')).filter((u) => u !== '') : [];
  return { urls, set: (list) => ext.set('servers', doc.createNode(list)) };
}

/**
 * Adds servers to the kubeconfig's current cluster (see ServersEdit), none twice and none that is already its
 * `server`. A file that cannot be read as a kubeconfig is left as it is, with the reason.
 */
export function editKubeconfigServers(path: string, edit: ServersEdit): ServersEditResult {
  return withFileMutex(path, (): ServersEditResult => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return { kind: 'refused', reason: `${path} cannot be read: ${(e as Error).message}` };
    }
    if (yamlMayNestDeeperThan(text, maxJsonDepth)) return { kind: 'refused', reason: `${path} is not YAML: nested more than ${maxJsonDepth} levels deep` };
    const doc = parseDocument(text, { version: '1.1' });
    if (doc.errors.length > 0) return { kind: 'refused', reason: `${path} is not YAML: ${doc.errors[0]?.message ?? ''}` };
    const cluster = currentCluster(doc);
    if (!cluster) return { kind: 'refused', reason: `${path} names no cluster for its current context` };
    const list = serverList(doc, cluster);
    if (typeof list === 'string') return { kind: 'refused', reason: `the cluster entry of ${path}: ${list}` };
    const server = cluster.get('server');
    const oldPrimary = typeof server === 'string' ? server : undefined;
    const primary = edit.primary ?? oldPrimary;
    const wanted = [...(edit.primary && oldPrimary ? [oldPrimary] : []), ...list.urls, ...(edit.add ?? [])];
    const urls: string[] = [];
    for (const u of wanted) if (u !== primary && !urls.includes(u)) urls.push(u);
    if (urls.length > maxServers) return { kind: 'refused', reason: `the ${serversExtension} extension of ${path} would list more than ${maxServers} servers` };
    if (primary === oldPrimary && urls.length === list.urls.length && urls.every((u, i) => u === list.urls[i])) return { kind: 'unchanged', servers: [primary ?? '', ...urls] };
    if (primary !== undefined) cluster.set('server', primary);
    list.set(urls);
    writeAtomically(path, doc.toString({ indentSeq: false, lineWidth: 0 }));
    return { kind: 'changed', servers: [primary ?? '', ...urls] };
  });
}
