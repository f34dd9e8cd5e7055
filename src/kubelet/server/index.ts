// The node agent's HTTPS server, assembled for a node of this process.
import type { RestClient } from '../../client/rest.js';
import type { RuntimeService } from '../runtime/types.js';
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
  tls: { cert: string; key: string; clientCA: string };
  host: string;
  port?: number;
  logDirectory?: string;
  log?: (line: string) => void;
}

export function startLocalNodeServer(o: LocalNodeServerOptions): Promise<RunningNodeServer> {
  return startNodeServer({
    nodeName: o.nodeName,
    tls: o.tls,
    auth: createNodeAuth({ nodeName: o.nodeName, client: o.client }),
    backend: runtimeBackend({ runtime: o.runtime, runtimeName: o.runtimeName, ...(o.streaming ? { streaming: o.streaming } : {}), ...(o.logPath ? { logPath: o.logPath } : {}) }),
    host: o.host,
    port: o.port ?? 0,
    ...(o.logDirectory ? { logDirectory: o.logDirectory } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}
export { criBackend, criStreaming } from './cri-backend.js';
