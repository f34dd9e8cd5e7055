// PKCS#10 certificate requests: a small DER reader (synchronous, so API validation can use it) that yields the
// subject, the subject alternative names and the public key, and checks the request's own signature with
// node:crypto. Bounded: it walks a fixed structure and never recurses on the input's nesting.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface CertificateRequestInfo {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Buffer;
  publicKey: KeyObject;
}

interface Tlv {
  tag: number;
  /** Offset of the value and its end (exclusive). */
  start: number;
  end: number;
  /** Offset of the header (for the raw bytes of the whole element). */
  headerStart: number;
}

class DerError extends Error {}

function readTlv(buf: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new DerError('asn1: syntax error: data truncated');
  const tag = buf[at] ?? 0;
  let len = buf[at + 1] ?? 0;
  let pos = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > limit) throw new DerError('asn1: syntax error: invalid length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + i] ?? 0);
    pos += n;
  }
  if (pos + len > limit) throw new DerError('asn1: syntax error: data truncated');
  return { tag, start: pos, end: pos + len, headerStart: at };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oid(buf: Buffer, t: Tlv): string {
  const bytes = buf.subarray(t.start, t.end);
  if (bytes.length === 0) return '';
  const first = bytes[0] ?? 0;
  const arcs = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

const hashOf: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  if (b.length === 16) {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(((b[i] ?? 0) * 256 + (b[i + 1] ?? 0)).toString(16));
    return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return '';
}

/** The PEM's one CERTIFICATE REQUEST block, as Kubernetes finds it; errors carry Go's texts. */
export function certificateRequestDer(pem: string): Buffer {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || m[1] !== 'CERTIFICATE REQUEST') throw new DerError('PEM block type must be CERTIFICATE REQUEST');
  const body = (m[2] ?? '').split(/\r?\n/).filter((l) => l !== '' && !l.includes(':')).join('');
  if (!/^[A-Za-z0-9+/=]*$/.test(body)) throw new DerError('PEM block type must be CERTIFICATE REQUEST');
  return Buffer.from(body, 'base64');
}

/** Parses and verifies a PEM certificate request; throws an Error whose message is the reason. */
export function parseCertificateRequest(pem: string): CertificateRequestInfo {
  const der = certificateRequestDer(pem);
  try {
    const outer = readTlv(der, 0, der.length);
    const [info, algorithm, signature] = children(der, outer);
    if (!info || !algorithm || !signature || signature.tag !== 0x03) throw new DerError('x509: malformed certificate request');
    const [, subject, spki, attributes] = children(der, info);
    if (!subject || !spki) throw new DerError('x509: malformed certificate request');
    const out: CertificateRequestInfo = { commonName: '', organizations: [], dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [], publicKeyDer: der.subarray(spki.headerStart, spki.end), publicKey: createPublicKey({ key: der.subarray(spki.headerStart, spki.end), format: 'der', type: 'spki' }) };
    for (const rdn of children(der, subject)) {
      for (const atv of children(der, rdn)) {
        const [type, value] = children(der, atv);
        if (!type || !value) continue;
        const text = der.subarray(value.start, value.end).toString('utf8');
        const id = oid(der, type);
        if (id === '2.5.4.3') out.commonName = text;
        if (id === '2.5.4.10') out.organizations.push(text);
      }
    }
    for (const attr of attributes && attributes.tag === 0xa0 ? children(der, attributes) : []) {
      const [type, values] = children(der, attr);
      if (!type || !values || oid(der, type) !== '1.2.840.113549.1.9.14') continue;
      for (const exts of children(der, values)) {
        for (const ext of children(der, exts)) {
          const parts = children(der, ext);
          const id = parts[0] ? oid(der, parts[0]) : '';
          const value = parts.at(-1);
          if (id !== '2.5.29.17' || !value) continue;
          const seq = readTlv(der, value.start, value.end);
          for (const name of children(der, seq)) {
            const bytes = der.subarray(name.start, name.end);
            if (name.tag === 0x81) out.emailAddresses.push(bytes.toString('utf8'));
            else if (name.tag === 0x82) out.dnsNames.push(bytes.toString('utf8'));
            else if (name.tag === 0x86) out.uris.push(bytes.toString('utf8'));
            else if (name.tag === 0x87) out.ipAddresses.push(ipText(bytes));
          }
        }
      }
    }
    const [algOid] = children(der, algorithm);
    const alg = algOid ? oid(der, algOid) : '';
    if (!Object.hasOwn(hashOf, alg)) throw new DerError('x509: cannot verify signature: algorithm unimplemented');
    // A BIT STRING starts with its count of unused bits.
    const sig = der.subarray(signature.start + 1, signature.end);
    const ok = verify(hashOf[alg] ?? null, der.subarray(info.headerStart, info.end), out.publicKey, sig);
    if (!ok) throw new DerError(alg.startsWith('1.2.840.10045') ? 'x509: ECDSA verification failure' : 'crypto/rsa: verification error');
    return out;
  } catch (e) {
    if (e instanceof DerError) throw e;
    throw new DerError(`asn1: structure error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

