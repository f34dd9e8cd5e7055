// How deep a YAML text can nest, found by one pass over its characters before any YAML parser sees it. The parser
// recurses once per level, and near the end of the stack V8 may have to compile one of the parser's regular
// expressions, which then ends the whole process ("RegExpCompiler Allocation failed") instead of throwing; a body
// nested past the limit must therefore never reach the parser.
//
// The figure is an upper bound, never an underestimate: flow collections ([ and { outside quoted scalars and
// comments) count one each, and every line adds its block context (open indentation levels and the "- " / "? "
// indicators that start it). Brackets inside plain or block scalars are counted too, so text made of unmatched
// brackets can only be refused early, never let through deep.
//
// Every YAML text a-kube did not write itself goes through this bound before it is parsed: request bodies
// (apiserver/body.ts), and the files and answers it reads (audit policy, encryption configuration, kubeconfigs,
// the cluster-info a joining node fetches, manifests and patches the CLI reads) through refuseDeepYaml.
import { maxJsonDepth } from './json-depth.js';

/** A YAML text that may nest deeper than maxJsonDepth, refused before a parser saw it. */
export class YamlTooDeepError extends Error {
  override name = 'YamlTooDeepError';
}

/** Throws YamlTooDeepError when `text` may nest more than maxJsonDepth levels; call it before parsing `text`. */
export function refuseDeepYaml(text: string): void {
  if (yamlMayNestDeeperThan(text, maxJsonDepth)) throw new YamlTooDeepError(`YAML nested more than ${maxJsonDepth} levels deep`);
}

/** Whether `text` may nest collections more than `limit` levels deep. Linear time, no recursion. */
export function yamlMayNestDeeperThan(text: string, limit: number): boolean {
  // open block levels: the column each starts at, and whether a "- " / "? " indicator opened it
  const cols: number[] = [];
  const byIndicator: boolean[] = [];
  let flow = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let col = 0;
    while (i < n && text.charCodeAt(i) === 0x20) {
      i++;
      col++;
    }
    // blank and comment-only lines say nothing about nesting
    if (i >= n || text[i] === '\n' || text[i] === '\r' || text[i] === '#') {
      while (i < n && text[i] !== '\n') i++;
      i++;
      continue;
    }
    let block = cols.length;
    if (flow === 0) {
      const indicator = (text[i] === '-' || text[i] === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t');
      // a sibling or an outer level closes what was open at this column; an indicator at the column of a mapping
      // key nests inside that mapping (a sequence written at its parent's indentation)
      while (cols.length > 0 && (cols[cols.length - 1]! > col || (cols[cols.length - 1] === col && (!indicator || byIndicator[byIndicator.length - 1])))) {
        cols.pop();
        byIndicator.pop();
      }
      while (i + 1 < n && (text[i] === '-' || text[i] === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
        cols.push(col);
        byIndicator.push(true);
        i += 2;
        col += 2;
        while (i < n && (text[i] === ' ' || text[i] === '\t')) {
          i++;
          col++;
        }
      }
      block = cols.length;
      // the line's own node is a level unless it is a flow collection, which the flow count below takes
      if (i < n && text[i] !== '[' && text[i] !== '{' && text[i] !== '\n') {
        cols.push(col);
        byIndicator.push(false);
        block++;
      }
    }
    if (block + flow > limit) return true;
    // the rest of the line
    let prevSpace = true;
    while (i < n) {
      const c = text[i]!;
      if (c === '\n') {
        i++;
        break;
      }
      if (c === '#' && prevSpace) {
        while (i < n && text[i] !== '\n') i++;
        continue;
      }
      if (c === '"') {
        i++;
        while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
        prevSpace = false;
        continue;
      }
      if (c === "'") {
        i++;
        while (i < n) {
          if (text[i] === "'") {
            if (text[i + 1] === "'") i += 2;
            else break;
          } else i++;
        }
        i++;
        prevSpace = false;
        continue;
      }
      if (c === '[' || c === '{') {
        flow++;
        if (block + flow > limit) return true;
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      prevSpace = c === ' ' || c === '\t' || c === ',' || c === '[' || c === '{';
      i++;
    }
  }
  return false;
}
