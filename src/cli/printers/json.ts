// `-o json` as kubectl prints it: encoding/json MarshalIndent with 4 spaces, keys sorted (kubectl
// prints unstructured objects, which are maps), <, > and & escaped, a trailing newline.

import { goJson } from './go-format.js';

export function toJson(value: unknown): string {
  return `${goJson(value, '    ')}\n`;
}
