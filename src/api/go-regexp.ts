// Regular expressions as Go's regexp package reads them (RE2 syntax, UTF-8 code points, matching in time linear in
// the input). OpenAPI `pattern`s in CustomResourceDefinitions are compiled by kube-apiserver with Go's regexp, so a
// pattern JavaScript's RegExp would read differently ((?i), \z, \Q…\E) or refuses to read the same way
// (lookarounds and back-references are not RE2) behaves here as it does there — and a pattern such as ^([a-z]+-?)*$
// cannot hold the event loop for minutes on a crafted string, as a backtracking engine would.
import { RE2JS } from 're2js';

type Compiled = RE2JS | Error;

// Patterns come from stored schemas, so the set is small; the bound keeps a stream of new ones from growing it.
const cache = new Map<string, Compiled>();
const cacheLimit = 2000;

function compile(pattern: string): Compiled {
  let c = cache.get(pattern);
  if (c === undefined) {
    try {
      c = RE2JS.compile(pattern);
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    if (cache.size >= cacheLimit) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

/** Go's regexp.Compile error text ("error parsing regexp: …"), or undefined when the pattern compiles. */
export function goRegexpError(pattern: string): string | undefined {
  const c = compile(pattern);
  return c instanceof Error ? c.message : undefined;
}

/** Go's regexp.MatchString: whether the pattern matches anywhere in s. A pattern that does not compile matches nothing. */
export function goRegexpMatches(pattern: string, s: string): boolean {
  const c = compile(pattern);
  return c instanceof Error ? false : c.matcher(s).find();
}
