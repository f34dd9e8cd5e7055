// A CertificateSigningRequest API for the node's certificate tests: it signs with a real CA what it is sent
// (approval assumed) and records the requests.
import { createCertificateAuthority, signRequest } from '../../../../src/pki/certs.js';
import { parseCertificateRequest } from '../../../../src/pki/index.js';

/** A CSR API that signs with a real CA what it is sent (approval assumed), recording the requests. */
export async function signingApi(ttlMs: number) {
  const ca = await createCertificateAuthority('test-ca');
  const csrs = new Map<string, Record<string, unknown>>();
  let n = 0;
  const api = {
    created: [] as Record<string, unknown>[],
    async create<T>(_path: string, body: unknown): Promise<T> {
      const o = structuredClone(body) as { metadata: { name?: string; generateName?: string }; spec: { request: string; usages: string[] } };
      const name = o.metadata.name ?? `${o.metadata.generateName}${++n}`;
      o.metadata.name = name;
      api.created.push(o as unknown as Record<string, unknown>);
      const req = parseCertificateRequest(Buffer.from(o.spec.request, 'base64').toString('latin1'));
      const now = Date.now();
      const cert = await signRequest(ca, req, { usages: o.spec.usages, notBefore: new Date(now - 1000), notAfter: new Date(now + ttlMs) });
      csrs.set(name, { ...o, status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: Buffer.from(cert).toString('base64') } });
      return structuredClone(o) as T;
    },
    async get<T>(path: string): Promise<T> {
      const o = csrs.get(path.split('/').pop() ?? '');
      if (!o) throw new Error(`no ${path}`);
      return structuredClone(o) as T;
    },
  };
  return { api, ca };
}

