// Duplicate object keys in a JSON text. JSON.parse keeps the last value silently; kube-apiserver's strict
// decoder (sigs.k8s.io/json) reports each repeat as `duplicate field "<path>"`, a warning by default and an
// error under fieldValidation=Strict. One iterative pass over text that JSON.parse has already accepted.

/** sigs.k8s.io/json stops collecting strict errors after this many. */
const maxReported = 100;

interface Frame {
  /** Keys seen so far, for objects; undefined for arrays. */
  keys: Set<string> | undefined;
  path: string;
  /** The next element index, for arrays. */
  index: number;
  /** For objects: whether the next string is a key. */
  expectKey: boolean;
}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
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
  const stack: Frame[] = [];
  /** The path the next value will have. */
  let pending = '';
  for (let i = 0; i < text.length && out.length < maxReported; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    switch (c) {
      case 123: // {
      case 91: {
        // [
        const path = top === undefined ? '' : top.keys ? pending : `${top.path}[${top.index}]`;
        stack.push({ keys: c === 123 ? new Set() : undefined, path, index: 0, expectKey: c === 123 });
        break;
      }
      case 125: // }
      case 93: // ]
        stack.pop();
        break;
      case 44: // ,
        if (top?.keys) top.expectKey = true;
        else if (top) top.index++;
        break;
      case 34: {
        // "
        const end = stringEnd(text, i);
        if (top?.keys && top.expectKey) {
          const raw = text.slice(i, end);
          const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          pending = childPath(top.path, key);
          if (top.keys.has(key)) out.push(pending);
          else top.keys.add(key);
          top.expectKey = false;
        }
        i = end - 1;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

export function duplicateFieldMessage(path: string): string {
  return `duplicate field ${JSON.stringify(path)}`;
}
