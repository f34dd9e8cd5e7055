// A set of field paths, stored as a trie: at each level the elements that are members of the set, and the
// elements under which deeper members sit. This is the shape FieldsV1 encodes ("." marks a node that is a member
// and also has members below it).
import { isRecord } from '../object.js';
import { compareElements, decodeElement, encodeElement, FieldsV1Error, type Path, type PathElement } from './path.js';
import { childType, type TypeNode } from './schema.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** Nesting allowed when reading FieldsV1 sent by a client (the objects themselves are bounded at 1,000 levels). */
const maxDecodeDepth = 1000;

export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (mutates; sets under construction only). */
  insert(path: Path): void {
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) s = s.child(path[i]!);
    const last = path[path.length - 1];
    if (last) s.members.set(encodeElement(last), last);
  }

  private child(pe: PathElement): FieldSet {
    const k = encodeElement(pe);
    let c = this.children.get(k);
    if (!c) {
      c = { pe, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }

  has(path: Path): boolean {
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && s; i++) s = s.children.get(encodeElement(path[i]!))?.set;
    const last = path[path.length - 1];
    return !!s && !!last && s.members.has(encodeElement(last));
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  /** The set below one element (empty when nothing is there). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(encodeElement(pe))?.set ?? new FieldSet();
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, pe] of other.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      out.children.set(k, { pe: c.pe, set: o ? c.set.union(o.set) : c.set });
    }
    for (const [k, c] of other.children) if (!this.children.has(k)) out.children.set(k, c);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const s = c.set.intersection(o.set);
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Members of this set not in `other` (a member of `other` does not remove what lies below it). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const s = o ? c.set.difference(o.set) : c.set;
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Like difference, and a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      const s = o ? c.set.recursiveDifference(o.set) : c.set;
      if (!s.isEmpty()) out.children.set(k, { pe: c.pe, set: s });
    }
    return out;
  }

  /** Adds struct fields that have members below them as members themselves (as structured-merge-diff does before pruning). */
  ensureNamedFieldsAreMembers(type: TypeNode): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, c] of this.children) {
      if (c.pe.kind === 'field' && type.kind === 'map' && type.field(c.pe.name)) out.members.set(k, c.pe);
      out.children.set(k, { pe: c.pe, set: c.set.ensureNamedFieldsAreMembers(childType(type, c.pe)) });
    }
    return out;
  }

  /** Every member path: the members of a level first (sorted), then the levels below (sorted). */
  paths(prefix: Path = []): Path[] {
    const out: Path[] = [];
    for (const pe of sorted(this.members)) out.push([...prefix, pe]);
    for (const c of sortedChildren(this.children)) out.push(...c.set.paths([...prefix, c.pe]));
    return out;
  }

  size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size();
    return n;
  }

  /** The FieldsV1 object: "." first when the node itself is a member, then elements in structured-merge-diff's order. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(self: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (self && !this.isEmpty()) out['.'] = {};
    const keys = new Map<string, PathElement>();
    for (const [k, pe] of this.members) keys.set(k, pe);
    for (const [k, c] of this.children) if (!c.set.isEmpty()) keys.set(k, c.pe);
    const order = [...keys.entries()].sort((a, b) => compareElements(a[1], b[1]));
    for (const [k] of order) {
      const c = this.children.get(k);
      const member = this.members.has(k);
      const value = c && !c.set.isEmpty() ? c.set.emit(member) : {};
      Object.defineProperty(out, k, { value, writable: true, enumerable: true, configurable: true });
    }
    return out;
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    s.read(v, 0);
    return s;
  }

  private read(v: unknown, depth: number): void {
    if (!isRecord(v)) throw new FieldsV1Error('FieldsV1 must be a JSON object');
    if (depth > maxDecodeDepth) throw new FieldsV1Error('FieldsV1 is nested too deeply');
    for (const k of Object.keys(v)) {
      const body = v[k];
      if (k === '.') continue;
      const pe = decodeElement(k);
      const key = encodeElement(pe);
      if (!isRecord(body)) throw new FieldsV1Error(`the value of ${JSON.stringify(k)} must be a JSON object`);
      const keys = Object.keys(body);
      if (keys.length === 0 || keys.includes('.')) this.members.set(key, pe);
      if (keys.some((x) => x !== '.')) this.child(pe).read(body, depth + 1);
    }
  }
}

function sorted(m: Map<string, PathElement>): PathElement[] {
  return [...m.values()].sort(compareElements);
}

function sortedChildren(m: Map<string, Child>): Child[] {
  return [...m.values()].sort((a, b) => compareElements(a.pe, b.pe));
}
