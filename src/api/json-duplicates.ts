// Duplicate object keys in a JSON text. JSON.parse keeps the last value silently; kube-apiserver's strict
// decoder (sigs.k8s.io/json) reports each repeat as `duplicate field "<path>"`, a warning by default and an
// error under fieldValidation=Strict. One iterative pass over text that JSON.parse has already accepted.

/** sigs.k8s.io/json stops collecting strict errors after this many. */
const maxReported = 100;

interface Frame {
  parent: Frame | undefined;
  /** This value's key in its parent object, or its index in its parent array. */
  at: string | number;
  /** Keys seen so far, for objects; undefined for arrays. */
  keys: Set<string> | undefined;
  /** The next element index, for arrays. */
  index: number;
  /** For objects: whether the next string is a key. */
  expectKey: boolean;
}

/** "spec.containers[0].image": built only for the few keys that are reported. */
function pathOf(frame: Frame | undefined, last: string): string {
  const parts: string[] = [last];
  for (let f = frame; f?.parent; f = f.parent) parts.push(typeof f.at === 'number' ? `[${f.at}]` : f.at);
  let out = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    out += out === '' || part.startsWith('[') ? part : `.${part}`;
  }
  return out;
}

/** The end (exclusive) of the string literal starting at text[start] === '"'. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let j = q - 1; j > start && text.charCodeAt(j) === 92; j--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/**
 * Paths of repeated keys, in document order: "metadata.name", "data.a", "spec.containers[0].image".
 * `text` must be valid JSON (parse it first); anything else gives an unspecified answer.
 */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  let top: Frame | undefined;
  /** The last key read in the current object: the key of the value that follows. */
  let lastKey = '';
  // A plain loop over character codes: a regular expression run once per structural character costs ten times more.
  for (let i = 0; i < text.length && out.length < maxReported; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: a key when an object expects one
      const end = stringEnd(text, i);
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i, end);
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) out.push(pathOf(top, key));
        else top.keys.add(key);
        lastKey = key;
        top.expectKey = false;
      }
      i = end - 1;
    } else if (c === 44) {
      // ,
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    } else if (c === 123 || c === 91) {
      // { or [
      top = { parent: top, at: top === undefined ? '' : top.keys ? lastKey : top.index, keys: c === 123 ? new Set() : undefined, index: 0, expectKey: c === 123 };
    } else if (c === 125 || c === 93) {
      // } or ]
      top = top?.parent;
    }
  }
  return out;
}

export function duplicateFieldMessage(path: string): string {
  return `duplicate field ${JSON.stringify(path)}`;
}
