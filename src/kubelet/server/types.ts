// What the node agent's HTTPS server needs from the node: where a pod's containers are, their logs, and the
// runtime's streaming endpoints (CRI Exec/Attach/PortForward answer a URL on the runtime's own streaming server).
import type { Summary } from '../../api/stats-summary.js';
import type { LogReadOptions } from '../logs/cri-log.js';

export interface PodRef {
  namespace: string;
  name: string;
  /** When the caller names the pod's UID, a pod of the same name but another UID does not match. */
  uid?: string;
}

export interface LocatedContainer {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  running: boolean;
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The runtime's streaming server, as CRI exposes it. */
export interface StreamingService {
  exec(containerId: string, command: string[], o: StreamOptions): Promise<{ url: string }>;
  attach(containerId: string, o: StreamOptions): Promise<{ url: string }>;
  portForward(sandboxId: string, ports: number[]): Promise<{ url: string }>;
}

export interface NodeServerBackend {
  /** How the runtime calls itself in messages ("containerd", "fake"). */
  runtimeName: string;
  /** The pod's sandbox that is ready (or the newest one). */
  sandbox(pod: PodRef): Promise<string | undefined>;
  /** The pod's container by name: the latest attempt, or with `previous` the one before it. */
  container(pod: PodRef, container: string, previous?: boolean): Promise<LocatedContainer | undefined>;
  /** The container's log, rendered (timestamps, tail, since, limit, follow). */
  logs(c: LocatedContainer, o: LogReadOptions): AsyncIterable<string>;
  /** Absent when the runtime runs no processes (the simulated one). */
  streaming?: StreamingService;
  /** The node's and its pods' resource usage (/stats/summary); absent when the runtime keeps no counters. */
  statsSummary?: () => Promise<Summary>;
}
