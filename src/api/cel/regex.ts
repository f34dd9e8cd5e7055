// CEL's matches() on Go's regular expressions, as cel-go evaluates it: RE2 syntax (`(?i)`, `\z`, no back-references
// or lookarounds) and linear time whatever the pattern and the string, so neither a CRD author's pattern nor a
// client's string can hold the event loop. The library's own matches() compiles a V8 RegExp; the cost meter
// (cost.ts), which every evaluation goes through, puts this in its place.
import { EvaluationError } from '@marcbachmann/cel-js';
import { goRegexpError, goRegexpMatches } from '../go-regexp.js';

type Handle = (...args: unknown[]) => unknown;

/**
 * The handle of a `matches` call node with Go's semantics for (string, pattern) arguments, resolved. Anything else
 * (an argument still pending, a value of another type) goes to the library's handle, which reports it as it does.
 */
export function goMatchesHandle(original: Handle): Handle {
  return function goMatches(args: unknown, a: unknown, b: unknown) {
    if (Array.isArray(args) && args.length === 2 && typeof args[0] === 'string' && typeof args[1] === 'string') {
      const error = goRegexpError(args[1]);
      if (error !== undefined) throw new EvaluationError(error);
      return goRegexpMatches(args[1], args[0]);
    }
    return original(args, a, b);
  };
}
