// Regular expressions that client data reaches and that are not Go's (a CEL `matches()` inside an admission policy
// or a CRD's validation rule) run on V8's backtracking engine. With this flag, a match that backtracks too much is
// finished by V8's linear-time engine instead, so one crafted string cannot hold the event loop. Patterns that
// engine cannot run (back-references, lookarounds, the `u` flag) keep backtracking; OpenAPI patterns do not use
// V8 at all (src/api/go-regexp.ts). Imported first by the executables that serve requests.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
