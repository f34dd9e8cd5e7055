// Shell-style pattern matching of one host-name label, with the syntax of Go's path/filepath.Match (which the
// kubelet's credential keyring applies to each dot-separated part of a registry host):
//   *        any run of characters (a label holds no '/', so no separator stops it)
//   ?        any one character
//   [a-z]    one character of a class; [^a-z] one outside it; several ranges or characters may follow each other
//   \c       the character c itself
// A malformed pattern (an unclosed or empty class, a trailing backslash, a range missing an end) matches nothing.
// Matching takes at most pattern × label steps (the greedy two-pointer method), so a pattern of many stars
// cannot make it backtrack without end; a pattern or label longer than a whole host name may be (253 characters)
// names no host and matches nothing, which bounds that product for patterns and images from the API.

const maxHostName = 253;

type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; c: string } | { kind: 'class'; negated: boolean; ranges: [string, string][] };

/** The pattern's tokens, or undefined when it is malformed. Characters are code points, as Go's runes. */
function tokenize(pattern: string): Token[] | undefined {
  const p = Array.from(pattern);
  const tokens: Token[] = [];
  let i = 0;
  // One character of a class: a backslash escapes the next; '-' and ']' need escaping.
  const classChar = (): string | undefined => {
    let c = p[i];
    if (c === undefined || c === '-' || c === ']') return undefined;
    if (c === '\\') {
      i++;
      c = p[i];
      if (c === undefined) return undefined;
    }
    i++;
    return c;
  };
  while (i < p.length) {
    const c = p[i] as string;
    if (c === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'one' });
      i++;
    } else if (c === '\\') {
      const next = p[i + 1];
      if (next === undefined) return undefined;
      tokens.push({ kind: 'char', c: next });
      i += 2;
    } else if (c === '[') {
      i++;
      const negated = p[i] === '^';
      if (negated) i++;
      const ranges: [string, string][] = [];
      for (;;) {
        if (p[i] === ']' && ranges.length > 0) {
          i++;
          break;
        }
        const lo = classChar();
        if (lo === undefined) return undefined;
        let hi = lo;
        if (p[i] === '-') {
          i++;
          const end = classChar();
          if (end === undefined) return undefined;
          hi = end;
        }
        ranges.push([lo, hi]);
      }
      tokens.push({ kind: 'class', negated, ranges });
    } else {
      tokens.push({ kind: 'char', c });
      i++;
    }
  }
  return tokens;
}

function matchesOne(t: Exclude<Token, { kind: 'star' }>, c: string): boolean {
  switch (t.kind) {
    case 'one':
      return true;
    case 'char':
      return t.c === c;
    case 'class': {
      const cp = c.codePointAt(0) ?? -1;
      const inside = t.ranges.some(([lo, hi]) => (lo.codePointAt(0) ?? 0) <= cp && cp <= (hi.codePointAt(0) ?? 0));
      return inside !== t.negated;
    }
    default: {
      const no: never = t;
      throw new Error(String(no));
    }
  }
}

/** Whether `label` matches `pattern` as a whole (false for a malformed pattern). */
export function globMatch(pattern: string, label: string): boolean {
  if (pattern.length > maxHostName || label.length > maxHostName) return false;
  const tokens = tokenize(pattern);
  if (!tokens) return false;
  const s = Array.from(label);
  let ti = 0;
  let si = 0;
  // Where the last star was and how much of the label it has taken so far.
  let starAt = -1;
  let starTook = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t && t.kind === 'star') {
      starAt = ti++;
      starTook = si;
    } else if (t && matchesOne(t, s[si] as string)) {
      ti++;
      si++;
    } else if (starAt >= 0) {
      ti = starAt + 1;
      si = ++starTook;
    } else {
      return false;
    }
  }
  while (tokens[ti]?.kind === 'star') ti++;
  return ti === tokens.length;
}
