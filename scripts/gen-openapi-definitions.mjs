// Generates src/api/generated/definitions.json from Kubernetes' published OpenAPI v2 document:
// the facts only (types, formats, required, enums, $refs and the x-kubernetes-* keys), no description texts.
// Usage: node scripts/gen-openapi-definitions.mjs [path/to/kubernetes-swagger.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2] ?? join(root, '../shared/reference/openapi/kubernetes-swagger.json');
const swagger = JSON.parse(readFileSync(source, 'utf8'));

const dropped = new Set(['description', 'example', 'externalDocs']);
function strip(node, underProperties = false) {
  if (Array.isArray(node)) return node.map((n) => strip(n));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    // keys under "properties" are field names (JSONSchemaProps has fields called description and example)
    if (!underProperties && dropped.has(k)) continue;
    out[k] = strip(v, !underProperties && k === 'properties');
  }
  return out;
}

const definitions = {};
for (const name of Object.keys(swagger.definitions).sort()) definitions[name] = strip(swagger.definitions[name]);
const out = { source: `Kubernetes ${swagger.info?.version ?? ''} OpenAPI v2 definitions (descriptions removed)`, definitions };
writeFileSync(join(root, 'src/api/generated/definitions.json'), JSON.stringify(out) + '\n');
console.log(`wrote ${Object.keys(definitions).length} definitions`);
