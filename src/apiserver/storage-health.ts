// The "etcd" health check (kube-apiserver's name for its storage check): a real read and write through the
// backend, failed when it errors or takes longer than the timeout (kube-apiserver's --etcd-healthcheck-timeout
// defaults to 2 s). Concurrent checks share one probe in flight.
import type { Storage } from '../storage/types.js';
import type { HealthCheck } from './nonresource.js';

export const storageProbeTimeoutMs = 2000;

export function storageHealthCheck(storage: Storage, timeoutMs = storageProbeTimeoutMs): HealthCheck {
  let inFlight: Promise<void> | undefined;
  const probe = async () => {
    if (storage.probe) await storage.probe();
    else await storage.currentRevision();
  };
  const withTimeout = () =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`storage did not answer within ${timeoutMs} ms`)), timeoutMs);
      probe().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  return {
    name: 'etcd',
    check() {
      inFlight ??= withTimeout().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}
