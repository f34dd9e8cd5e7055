// The TCP balancer of `a-kube up --ha`: one address for clients that know a single server (kubectl, client
// libraries), in front of the API servers. Each connection goes to the next ready server in turn; a server that
// refuses the connection or cannot be reached passes it to the following one. Readiness comes from a probe run
// for every server every few seconds (readyz-probe.ts: GET /readyz): servers that failed their last probe are
// tried only after every ready one, so a server that is starting, shutting down or cut off from etcd gets no
// new connections while another can take them. Bytes are relayed as they are (TLS ends at the API server, so
// client certificates work through it). It is the TCP load balancer the README describes for several machines,
// small enough for one.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface RunningBalancer {
  port: number;
  /** Probes every server once now and waits for the answers (the timer does the same every probeIntervalMs). */
  probeNow(): Promise<void>;
  close(): Promise<void>;
}

export interface BalancerOptions {
  host: string;
  port: number;
  backends: readonly Backend[];
  /** Whether a server is ready; without it every server counts as ready. */
  probe?: (b: Backend) => Promise<boolean>;
  probeIntervalMs?: number;
}

const connectTimeoutMs = 3000;
const defaultProbeIntervalMs = 2000;

/** The order to try the servers for one connection: from `start` round the list, ready ones before the others. */
export function dialOrder(ready: readonly boolean[], start: number): number[] {
  const round = ready.map((_, i) => (start + i) % ready.length);
  return [...round.filter((i) => ready[i]), ...round.filter((i) => !ready[i])];
}

/** Connects to the first backend of `order` that accepts a connection. */
function dialAny(backends: readonly Backend[], order: readonly number[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (tried: number): void => {
      if (tried >= order.length) {
        reject(new Error('no API server accepted the connection'));
        return;
      }
      const b = backends[order[tried] as number] as Backend;
      const s = connect({ host: b.host, port: b.port });
      s.setTimeout(connectTimeoutMs, () => s.destroy(new Error('connect timeout')));
      s.once('connect', () => {
        s.setTimeout(0);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', () => {
        s.destroy();
        attempt(tried + 1);
      });
    };
    attempt(0);
  });
}

export function startBalancer(o: BalancerOptions): Promise<RunningBalancer> {
  let next = 0;
  const ready = o.backends.map(() => true);
  const probe = o.probe;
  const probeNow = async (): Promise<void> => {
    if (!probe) return;
    const answers = await Promise.all(o.backends.map((b) => probe(b).catch(() => false)));
    answers.forEach((r, i) => (ready[i] = r));
  };
  let probing: Promise<void> | undefined;
  const timer = setInterval(() => {
    probing ??= probeNow().finally(() => (probing = undefined));
  }, o.probeIntervalMs ?? defaultProbeIntervalMs);
  timer.unref();
  if (!probe) clearInterval(timer);
  const open = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const start = next;
    next = (next + 1) % o.backends.length;
    dialAny(o.backends, dialOrder(ready, start)).then(
      (upstream) => {
        open.add(upstream);
        upstream.once('close', () => open.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : o.port,
        probeNow,
        close: () =>
          new Promise<void>((r) => {
            clearInterval(timer);
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
