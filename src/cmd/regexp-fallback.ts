// Regular expressions that client data reaches run on Go's engine (RE2 semantics, linear time): OpenAPI patterns
// (src/api/go-regexp.ts) and CEL's matches() (src/api/cel/regex.ts). As a second line for any V8 RegExp that client
// data might still reach, this flag lets V8 finish a match that backtracks too much with its linear-time engine, so
// one crafted string cannot hold the event loop (patterns that engine cannot run, with back-references or
// lookarounds, keep backtracking). Imported first by the executables that serve requests.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
