// The balancer's readiness check of one API server: GET /readyz over TLS (verified against the cluster CA), ready
// when it answers 200 within the timeout. kube-apiserver's /readyz is readable without credentials
// (system:public-info-viewer), and it fails while the server cannot reach its storage or is shutting down.
import { request } from 'node:https';
import type { Backend } from './balancer.js';

export interface ReadyzProbeOptions {
  /** The cluster CA (PEM), read when needed: it exists once the first API server has made it. */
  ca: () => Buffer | undefined;
  timeoutMs?: number;
}

export function readyzProbe(o: ReadyzProbeOptions): (b: Backend) => Promise<boolean> {
  const timeoutMs = o.timeoutMs ?? 1500;
  return (b) =>
    new Promise((resolve) => {
      const ca = o.ca();
      if (!ca) {
        resolve(false);
        return;
      }
      const req = request({ host: b.host, port: b.port, path: '/readyz', method: 'GET', ca, timeout: timeoutMs, headers: { Accept: 'text/plain' } }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
      req.end();
    });
}
