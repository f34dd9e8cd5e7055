// Certificate rotation, as the kubelet's certificate manager does it for its client and serving certificates: at
// a random point between 70% and 90% of the certificate's lifetime the node asks for a new one (a new key, a
// CertificateSigningRequest made with its current client certificate), installs it and carries on with it. With
// no certificate yet, it asks at once. A failure is retried every 10 s, up to expiry and beyond (an expired client
// certificate cannot renew itself; the node then needs to join again).
import type { KeyPairPem } from '../../pki/index.js';
import { certificateInfo } from './credentials.js';

/** When to renew a certificate valid from notBefore to notAfter: notBefore + (70..90% of its lifetime). */
export function rotationDeadline(notBefore: number, notAfter: number, random: () => number = Math.random): number {
  const total = notAfter - notBefore;
  return notBefore + total * 0.7 + total * 0.2 * random();
}

export interface RotationOptions {
  /** What is rotated, for the log ("client certificate", "serving certificate"). */
  what: string;
  /** The certificate in use; none: one is requested at once. */
  current?: KeyPairPem;
  /** Asks for a new certificate (a new key) and waits until it is issued. */
  request(signal: AbortSignal): Promise<KeyPairPem & { requestName: string }>;
  /** Stores the new certificate and puts it to use. */
  install(pair: KeyPairPem): Promise<void> | void;
  signal: AbortSignal;
  log?: (line: string) => void;
  now?: () => number;
  random?: () => number;
  /** Waits (test seam); resolves early when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  retryMs?: number;
}

const realSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    // setTimeout holds at most ~24.8 days; longer waits are taken in steps.
    const t = setTimeout(r, Math.min(ms, 2 ** 31 - 1));
    signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

/** Runs until the signal aborts. */
export async function runCertificateRotation(o: RotationOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  let current = o.current;
  while (!o.signal.aborted) {
    if (current) {
      const { notBefore, notAfter } = certificateInfo(current.cert);
      const deadline = rotationDeadline(notBefore, notAfter, o.random);
      o.log?.(`${o.what} valid until ${new Date(notAfter).toISOString()}; renewing at ${new Date(deadline).toISOString()}`);
      while (!o.signal.aborted && now() < deadline) await sleep(deadline - now(), o.signal);
    }
    while (!o.signal.aborted) {
      try {
        const next = await o.request(o.signal);
        await o.install(next);
        o.log?.(`${o.what} ${current ? 'rotated' : 'issued'} through ${next.requestName}`);
        current = next;
        break;
      } catch (e) {
        if (o.signal.aborted) return;
        o.log?.(`${o.what} ${current ? 'rotation' : 'request'} failed: ${e instanceof Error ? e.message : String(e)} (retrying in ${Math.round((o.retryMs ?? 10_000) / 1000)} s)`);
        await sleep(o.retryMs ?? 10_000, o.signal);
      }
    }
  }
}
