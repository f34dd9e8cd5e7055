// One webhook POST over HTTPS (AdmissionReview, ConversionReview): the CA bundle of the configuration (else the
// system's roots), the server name of the URL or of the Service (`<name>.<namespace>.svc`), a deadline for the whole
// exchange and a bounded response. Failures come back as the Go client's texts (`Post "<url>": <why>`), which
// kube-apiserver wraps in its own words (`failed calling webhook "<name>": …`, `conversion webhook for … failed: …`).
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export const maxResponseBytes = 8 * 1024 * 1024;

export interface Target {
  /** Where to connect and what to ask for (https://host:port/path?timeout=Ns). */
  url: URL;
  /** The name the serving certificate must carry when it differs from url's host (a Service's DNS name). */
  serverName?: string;
  /** The URL as shown in error texts (kube-apiserver shows the URL it built, with the Service's DNS name). */
  shownUrl: string;
  caBundle?: string;
}

export class CallError extends Error {
  override name = 'CallError';
}

export interface CallResult {
  statusCode: number;
  body: Buffer;
}

function goDialError(e: NodeJS.ErrnoException, host: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${host}: read: connection reset by peer`;
    case 'EHOSTUNREACH':
      return `dial tcp ${host}: connect: no route to host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host.replace(/:\d+$/, '')}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${e.message}`;
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      return e.message;
  }
}

/** POSTs `body` (JSON) and resolves with the status and at most maxResponseBytes of response; never outlives timeoutMs. */
export function postJson(target: Target, body: string, timeoutMs: number): Promise<CallResult> {
  const prefix = `Post ${JSON.stringify(target.shownUrl)}`;
  const hostPort = `${target.url.hostname}:${target.url.port || '443'}`;
  return new Promise<CallResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, result?: CallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(result!);
    };
    const serverName = target.serverName;
    const req = httpsRequest(
      target.url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(body) },
        ...(target.caBundle ? { ca: target.caBundle } : {}),
        ...(serverName ? { servername: serverName, checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(serverName, cert) } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxResponseBytes) {
            finish(new CallError(`${prefix}: response body larger than ${maxResponseBytes} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => finish(undefined, { statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (e) => finish(new CallError(`${prefix}: ${goDialError(e, hostPort)}`)));
      },
    );
    const timer = setTimeout(() => finish(new CallError(`${prefix}: context deadline exceeded`)), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(new CallError(`${prefix}: ${goDialError(e, hostPort)}`)));
    req.end(body);
  });
}
