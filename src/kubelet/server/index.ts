// The node agent's HTTPS server, assembled for a node of this process.
import type { RestClient } from '../../client/rest.js';
import type { RuntimeService } from '../runtime/types.js';
import { readMachineSample } from '../stats/machine-usage.js';
import { StatsCollector } from '../stats/collector.js';
import { createNodeAuth } from './auth.js';
import { runtimeBackend } from './runtime-backend.js';
import { startNodeServer, type RunningNodeServer } from './server.js';
import type { StreamingService } from './types.js';

export { startNodeServer, type RunningNodeServer, type NodeServerOptions } from './server.js';
export { runtimeBackend, criLogPath } from './runtime-backend.js';
export { createNodeAuth } from './auth.js';
export type { NodeServerBackend, StreamingService, LocatedContainer, PodRef, StreamOptions } from './types.js';

export interface LocalNodeServerOptions {
  nodeName: string;
  client: RestClient;
  runtime: RuntimeService;
  runtimeName: string;
  streaming?: StreamingService;
  logPath?: (containerId: string) => Promise<string | undefined>;
  tls: { cert?: string; key?: string; clientCA: string };
  host: string;
  port?: number;
  logDirectory?: string;
  log?: (line: string) => void;
  /** How often the node samples its usage for /stats/summary (default 10 s). */
  statsIntervalMs?: number;
}

export async function startLocalNodeServer(o: LocalNodeServerOptions): Promise<RunningNodeServer> {
  const containerStats = o.runtime.containerStats?.bind(o.runtime);
  const collector = containerStats
    ? new StatsCollector({ nodeName: o.nodeName, containers: containerStats, machine: o.runtime.machineSample ? o.runtime.machineSample.bind(o.runtime) : () => readMachineSample(), ...(o.statsIntervalMs ? { intervalMs: o.statsIntervalMs } : {}) })
    : undefined;
  const backend = runtimeBackend({ runtime: o.runtime, runtimeName: o.runtimeName, ...(o.streaming ? { streaming: o.streaming } : {}), ...(o.logPath ? { logPath: o.logPath } : {}) });
  if (collector) backend.statsSummary = () => collector.summary();
  const server = await startNodeServer({
    nodeName: o.nodeName,
    tls: o.tls,
    auth: createNodeAuth({ nodeName: o.nodeName, client: o.client }),
    backend,
    host: o.host,
    port: o.port ?? 0,
    ...(o.logDirectory ? { logDirectory: o.logDirectory } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  if (!collector) return server;
  // Background samples give the first request a rate to report.
  const stop = new AbortController();
  collector.start(stop.signal);
  return {
    port: server.port,
    setServingCertificate: (pair) => server.setServingCertificate(pair),
    close: async () => {
      stop.abort();
      await server.close();
    },
  };
}
export { criBackend, criStreaming } from './cri-backend.js';
