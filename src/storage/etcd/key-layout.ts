// Where the store's keys sit in etcd. Inside a-kube a key is "/registry/<group or core>/<resource>/<rest>"
// (src/registry/storage-codec.ts); in etcd it is "<prefix>/<etcd prefix>/<rest>" (prefix "/registry" unless
// configured), where the etcd prefix is kube-apiserver's for the built-in resources (kube-prefixes.ts) and
// "<group>/<resource>" for custom resources (groups with a dot), as kube-apiserver keeps them.
// Keys outside that scheme (tests, tools) go below "<prefix>/-/", a segment no resource or group can be.
// The mapping is one-to-one, and within one resource it keeps the order of keys, so ranges and
// continuations work unchanged; a range or watch must name at least a whole resource (or a non-registry prefix).
import { kubeResourcePrefixes, mergedEarlierPrefixes } from './kube-prefixes.js';

const registry = '/registry/';
const escape = '/-';

/** etcd prefix → store resource ("services/specs" → "core/services"). */
const storeResourceByEtcdPrefix = new Map(Object.entries(kubeResourcePrefixes).map(([resource, etcd]) => [etcd, resource]));

/** "/registry/<group or core>/<resource>/<rest>" → its resource ("<group or core>/<resource>") and rest. */
function splitStoreKey(key: string): { resource: string; rest: string } | undefined {
  if (!key.startsWith(registry)) return undefined;
  const s = key.slice(registry.length);
  const groupEnd = s.indexOf('/');
  if (groupEnd <= 0) return undefined;
  const resourceEnd = s.indexOf('/', groupEnd + 1);
  if (resourceEnd <= groupEnd + 1) return undefined;
  return { resource: s.slice(0, resourceEnd), rest: s.slice(resourceEnd + 1) };
}

/** The etcd prefix of a store resource, or undefined when it has no place in kube-apiserver's layout. */
export function etcdPrefixOf(resource: string): string | undefined {
  if (Object.hasOwn(kubeResourcePrefixes, resource)) return kubeResourcePrefixes[resource];
  // stored as another resource's objects (events.k8s.io Events): its earlier range is no store's
  if (Object.hasOwn(mergedEarlierPrefixes, resource)) return undefined;
  // a custom resource: CRD groups must contain a dot
  return resource.slice(0, resource.indexOf('/')).includes('.') ? resource : undefined;
}

export class KeyLayout {
  /** e.g. "/registry" (no trailing slash). */
  readonly root: string;

  constructor(prefix = '/registry') {
    const trimmed = prefix.replace(/\/+$/, '');
    if (!trimmed.startsWith('/')) throw new Error(`etcd key prefix must start with "/": ${JSON.stringify(prefix)}`);
    this.root = trimmed;
  }

  /** The etcd key of a store key. */
  toEtcd(key: string): string {
    const split = splitStoreKey(key);
    const etcdPrefix = split ? etcdPrefixOf(split.resource) : undefined;
    return split && etcdPrefix !== undefined ? `${this.root}/${etcdPrefix}/${split.rest}` : `${this.root}${escape}${key}`;
  }

  /**
   * The store key of an etcd key; undefined for keys outside this layout: outside the root, another program's
   * (kube-apiserver's "ranges/…", "masterleases/…"), or a built-in resource where a-kube's earlier layout kept it.
   */
  fromEtcd(etcdKey: string): string | undefined {
    if (!etcdKey.startsWith(`${this.root}/`)) return undefined;
    const rest = etcdKey.slice(this.root.length + 1);
    if (rest.startsWith('-/')) return rest.slice(1);
    const first = rest.indexOf('/');
    if (first <= 0) return undefined;
    const second = rest.indexOf('/', first + 1);
    // two segments first: "services/specs", "<group>/<resource>"
    if (second > first + 1) {
      const two = rest.slice(0, second);
      const resource = storeResourceByEtcdPrefix.get(two);
      if (resource !== undefined) return `${registry}${resource}/${rest.slice(second + 1)}`;
      if (rest.slice(0, first).includes('.') && etcdPrefixOf(two) === two) return `${registry}${rest}`;
    }
    const resource = storeResourceByEtcdPrefix.get(rest.slice(0, first));
    return resource !== undefined ? `${registry}${resource}/${rest.slice(first + 1)}` : undefined;
  }

  /**
   * The etcd prefix holding exactly the store keys that start with prefix. Throws for prefixes the layout
   * splits ("/registry/", "/registry/co"): they do not correspond to one etcd range.
   */
  prefixToEtcd(prefix: string): string {
    if ((prefix.startsWith(registry) || registry.startsWith(prefix)) && !splitStoreKey(prefix)) {
      throw new Error(`etcd storage: the prefix ${JSON.stringify(prefix)} does not name one resource (use "/registry/<group or core>/<resource>/")`);
    }
    return this.toEtcd(prefix);
  }
}
