// A backend's aggregated discovery, fetched as kube-aggregator's discovery manager fetches it: GET /apis asking for
// APIGroupDiscoveryList (v2, then v2beta1), as system:kube-aggregator, bounded in time and size. Only a 200 whose
// Content-Type names that list counts; anything else (legacy discovery, an error, no answer) leaves the caller to
// the legacy document of the group/version.
import type { Agent } from 'node:https';
import type { APIService } from '../../api/apiregistration/types.js';
import { backendGet } from './availability.js';
import { resolveBackend, type ServiceLookup } from './backend.js';
import { aggregatedDiscoveryAccept, isAggregatedDiscovery } from './discovery.js';

/** The parsed APIGroupDiscoveryList of the backend's /apis, or undefined when it serves none. */
export async function fetchAggregatedDiscovery(s: Readonly<APIService>, lookup: ServiceLookup, agent: Agent, timeoutMs: number): Promise<unknown> {
  const where = await resolveBackend(s, lookup);
  if (where.kind === 'fail') return undefined;
  try {
    const res = await backendGet(where.host, where.port, where.serverName, '/apis', agent, timeoutMs, { accept: aggregatedDiscoveryAccept });
    if (res.status !== 200 || !isAggregatedDiscovery(res.contentType)) return undefined;
    return JSON.parse(res.text) as unknown;
  } catch {
    return undefined;
  }
}
