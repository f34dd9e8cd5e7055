// Repeated mapping keys in a YAML body. The YAML is read with the last value winning (as Kubernetes' YAML-to-JSON
// conversion does); its strict conversion reports each repeat the way go-yaml words it, which fieldValidation
// turns into a warning or, under Strict, a 400.
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { maxJsonDepth } from './json-depth.js';
import { yamlMayNestDeeperThan } from './yaml-depth.js';

/** `line 4: key "k" already set in map`, one per repeated key, in line order. */
export function yamlDuplicateKeys(text: string): string[] {
  const lines = new LineCounter();
  const found: { line: number; text: string }[] = [];
  // only bodies the decoder accepted come here; the bound keeps the parser's recursion safe for any other caller
  if (yamlMayNestDeeperThan(text, maxJsonDepth)) return [];
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, lineCounter: lines });
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(key)) {
          const offset = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : 0;
          const line = lines.linePos(offset).line;
          found.push({ line, text: `line ${line}: key ${JSON.stringify(key)} already set in map` });
        }
        seen.add(key);
      }
    },
  });
  return found.sort((a, b) => a.line - b.line).map((f) => f.text);
}
