// JSON number literals that a JavaScript number cannot hold (1e400 parses to Infinity). Go's decoder names the
// literal in its error ("cannot unmarshal number 1e400 into ..."), so the parser records the source text of
// every non-finite number by the object or array that holds it, for the type check to quote.
import { setFlagsFromString } from 'node:v8';

// V8 gives a JSON.parse reviver the source text of each primitive behind this flag (on by default from V8 12).
try {
  setFlagsFromString('--harmony-json-parse-with-source');
} catch {
  // without it, the literal is quoted as JavaScript prints it ("Infinity")
}

const literals = new WeakMap<object, Map<string, string>>();

/** A number token with a 3-digit exponent or 309+ digits: only then can a literal overflow a double. */
const mayOverflow = /[eE][+]?[0-9]{3}|[0-9]{309}/;

/** JSON.parse that records the literals of numbers too large for a double. */
export function parseJson(text: string): unknown {
  if (!mayOverflow.test(text)) return JSON.parse(text);
  return JSON.parse(text, function record(this: unknown, key: string, value: unknown, context?: { source?: string }) {
    if (typeof value === 'number' && !Number.isFinite(value) && typeof this === 'object' && this !== null) {
      let byKey = literals.get(this);
      if (!byKey) literals.set(this, (byKey = new Map()));
      byKey.set(key, context?.source ?? String(value));
    }
    return value;
  });
}

/** The number as its JSON literal was written, when that differs from how JavaScript prints it. */
export function numberText(holder: unknown, key: string | number, value: number): string {
  if (Number.isFinite(value) || typeof holder !== 'object' || holder === null) return String(value);
  return literals.get(holder)?.get(String(key)) ?? String(value);
}
