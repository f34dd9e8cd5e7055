// Where the store's keys sit in etcd. Inside a-kube a key is "/registry/<group or core>/<resource>/<ns>/<name>"
// (src/registry/storage-codec.ts); in etcd it is "<prefix>/<resource>/<ns>/<name>" for the core group, as
// kube-apiserver keeps it, and "<prefix>/<group>/<resource>/…" for the others (prefix "/registry" unless
// configured). kube-apiserver keeps CRDs' resources that way too, but its other built-in groups under the resource
// alone, with special prefixes for some; those keys differ here.
// Keys outside that scheme (tests, tools) go below "<prefix>/-/", a segment no resource or group can be.
// The mapping is one-to-one, and within one resource it keeps the order of keys, so ranges and
// continuations work unchanged; a range or watch must name at least a whole resource (or a non-registry prefix).

/** API groups without a dot (CRD groups must have one): their first segment is a group, not a core resource. */
const dotlessGroups = new Set(['apps', 'batch', 'policy', 'autoscaling', 'extensions']);

const registry = '/registry/';
const corePrefix = '/registry/core/';
const escape = '/-';

function isGroup(segment: string): boolean {
  return segment.includes('.') || dotlessGroups.has(segment);
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
    if (key.startsWith(corePrefix)) return `${this.root}/${key.slice(corePrefix.length)}`;
    if (key.startsWith(registry)) {
      const rest = key.slice(registry.length);
      const slash = rest.indexOf('/');
      if (slash > 0 && isGroup(rest.slice(0, slash))) return `${this.root}/${rest}`;
    }
    return `${this.root}${escape}${key}`;
  }

  /** The store key of an etcd key, or undefined for keys outside this layout's root. */
  fromEtcd(etcdKey: string): string | undefined {
    if (!etcdKey.startsWith(`${this.root}/`)) return undefined;
    const rest = etcdKey.slice(this.root.length + 1);
    if (rest.startsWith('-/')) return rest.slice(1);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    return isGroup(rest.slice(0, slash)) ? `${registry}${rest}` : `${corePrefix}${rest}`;
  }

  /**
   * The etcd prefix holding exactly the store keys that start with prefix. Throws for prefixes the layout
   * splits ("/registry/", "/registry/co"): they do not correspond to one etcd range.
   */
  prefixToEtcd(prefix: string): string {
    if (prefix.startsWith(registry) || registry.startsWith(prefix)) {
      const rest = prefix.slice(registry.length);
      const slash = rest.indexOf('/');
      const first = slash > 0 ? rest.slice(0, slash) : undefined;
      // "/registry/core/<resource>/…" or "/registry/<group>/<resource>/…": at least the resource must be whole.
      const whole = first === 'core' || (first !== undefined && isGroup(first)) ? rest.indexOf('/', slash + 1) > 0 : false;
      if (!prefix.startsWith(registry) || !whole) {
        throw new Error(`etcd storage: the prefix ${JSON.stringify(prefix)} does not name one resource (use "/registry/<group or core>/<resource>/")`);
      }
    }
    return this.toEtcd(prefix);
  }
}
