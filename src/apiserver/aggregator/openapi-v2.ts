// A backend's /openapi/v2 document, read as kube-aggregator reads it to merge it into the API server's: JSON, as
// system:kube-aggregator, bounded in time and size. A backend that serves none (an error status, not JSON) simply
// contributes nothing; its discovery and proxying are unaffected.
import { createHash } from 'node:crypto';
import type { Agent } from 'node:https';
import type { APIService } from '../../api/apiregistration/types.js';
import { backendGet } from './availability.js';
import { resolveBackend, type ServiceLookup } from './backend.js';

/** At most this many bytes of a backend's OpenAPI document are read. */
export const maxOpenapiBytes = 32 << 20;

/** The parsed document and a digest of its text, or undefined when the backend serves none. */
export async function fetchOpenapiV2(s: Readonly<APIService>, lookup: ServiceLookup, agent: Agent, timeoutMs: number): Promise<{ doc: unknown; digest: string } | undefined> {
  const where = await resolveBackend(s, lookup);
  if (where.kind === 'fail') return undefined;
  try {
    const res = await backendGet(where.host, where.port, where.serverName, '/openapi/v2', agent, timeoutMs, { maxBytes: maxOpenapiBytes });
    if (res.status !== 200) return undefined;
    return { doc: JSON.parse(res.text) as unknown, digest: createHash('sha256').update(res.text).digest('hex') };
  } catch {
    return undefined;
  }
}
