// The TCP balancer of `a-kube up --ha`: one address for clients that know a single server (kubectl, client
// libraries), in front of the API servers. Each connection goes to the next server in turn; a server that refuses
// the connection or cannot be reached passes it to the following one. Bytes are relayed as they are (TLS ends at
// the API server, so client certificates work through it). It is the TCP load balancer the README describes for
// several machines, small enough for one.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface RunningBalancer {
  port: number;
  close(): Promise<void>;
}

const connectTimeoutMs = 3000;

/** Connects to the first backend, from `start` round the list, that accepts a connection. */
function dialAny(backends: readonly Backend[], start: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (tried: number): void => {
      if (tried >= backends.length) {
        reject(new Error('no API server accepted the connection'));
        return;
      }
      const b = backends[(start + tried) % backends.length] as Backend;
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

export function startBalancer(o: { host: string; port: number; backends: readonly Backend[] }): Promise<RunningBalancer> {
  let next = 0;
  const open = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const start = next;
    next = (next + 1) % o.backends.length;
    dialAny(o.backends, start).then(
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
        close: () =>
          new Promise<void>((r) => {
            for (const s of open) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
