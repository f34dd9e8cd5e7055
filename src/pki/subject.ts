// Reads a certificate's subject with Node's own X509Certificate (fast to load, unlike the generator library).
import { X509Certificate } from 'node:crypto';

/** Subject CN and O values of a DER or PEM certificate. */
export function certificateSubject(cert: Buffer | string): { commonName: string; organizations: string[] } {
  // Node prints the subject one attribute per line ("CN=alice\nO=system:masters\nO=dev"), control characters escaped.
  const lines = new X509Certificate(cert).subject.split('\n');
  const values = (key: string) => lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  return { commonName: values('CN')[0] ?? '', organizations: values('O') };
}
