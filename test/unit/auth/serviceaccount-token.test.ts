import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KubeObject } from '../../../src/api/object.js';
import { createServiceAccountKey } from '../../../src/pki/service-account-key.js';
import { staticLookup } from '../../../src/auth/lookup.js';
import { createTokenSigner } from '../../../src/auth/serviceaccount/signer.js';
import { serviceAccountTokenAuthenticator } from '../../../src/auth/serviceaccount/authenticator.js';
import { defaultIssuer } from '../../../src/auth/serviceaccount/claims.js';
import { bearerAuthenticator } from '../../../src/auth/authn/token.js';

const key = createServiceAccountKey();
const otherKey = createServiceAccountKey();
const t0 = new Date('2025-03-01T10:00:00Z');

function world() {
  const sa: KubeObject = { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'k-sa-1', namespace: 'ns-1', uid: 'sa-uid-1' } };
  const pod: KubeObject = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-0', namespace: 'ns-1', uid: 'pod-uid-1' } };
  const secret: KubeObject = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', namespace: 'ns-1', uid: 'secret-uid-1' } };
  const objects: KubeObject[] = [sa, pod, secret];
  return { sa, pod, secret, objects, lookup: staticLookup(objects) };
}

function setup(now = t0) {
  const w = world();
  let clock = now;
  const signer = createTokenSigner({ privateKeyPem: key.privateKey, publicKeyPem: key.publicKey, issuer: defaultIssuer, now: () => clock });
  const authn = serviceAccountTokenAuthenticator({ publicKeys: [key.publicKey], issuers: [defaultIssuer], lookup: w.lookup, now: () => clock });
  return { ...w, signer, authn, setClock: (d: Date) => void (clock = d) };
}

const saRef = { name: 'k-sa-1', uid: 'sa-uid-1' };

test('a bound token authenticates as the service account with pod extras', async () => {
  const s = setup();
  const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600, pod: { name: 'web-0', uid: 'pod-uid-1' } });
  const r = await s.authn.authenticateToken(token);
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.user.name, 'system:serviceaccount:ns-1:k-sa-1');
  assert.equal(r.user.uid, 'sa-uid-1');
  assert.deepEqual(r.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns-1']);
  assert.deepEqual(r.user.extra?.['authentication.kubernetes.io/pod-name'], ['web-0']);
  assert.match(r.user.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^JTI=[0-9a-f-]{36}$/);
  assert.deepEqual(r.audiences, [defaultIssuer]);
});

function tamper(token: string, edit: (claims: Record<string, unknown>) => void): string {
  const [h, p, sig] = token.split('.');
  const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
  edit(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
}

const refused: { name: string; make: (s: ReturnType<typeof setup>) => Promise<string>; audiences?: string[] }[] = [
  {
    name: 'tampered payload',
    make: async (s) => tamper((await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token, (c) => void (c['sub'] = 'system:serviceaccount:kube-system:admin')),
  },
  {
    name: 'signed by another key',
    make: async () => (await createTokenSigner({ privateKeyPem: otherKey.privateKey, publicKeyPem: otherKey.publicKey, issuer: defaultIssuer, now: () => t0 }).signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token,
  },
  {
    name: 'signed by another key claiming our kid',
    make: async (s) => {
      const forged = (await createTokenSigner({ privateKeyPem: otherKey.privateKey, publicKeyPem: otherKey.publicKey, issuer: defaultIssuer, now: () => t0 }).signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token;
      const [, p, sig] = forged.split('.');
      return `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: s.signer.keyId })).toString('base64url')}.${p}.${sig}`;
    },
  },
  {
    name: 'alg none',
    make: async (s) => {
      const [, p] = (await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token.split('.');
      return `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    },
  },
  {
    name: 'HS256 with the public key as secret',
    make: async (s) => {
      const { SignJWT } = await import('jose');
      const [, p] = (await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token.split('.');
      const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(key.publicKey));
    },
  },
  {
    name: 'expired (beyond the 60 s leeway)',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 600 });
      s.setClock(new Date(t0.getTime() + 661_000));
      return token;
    },
  },
  {
    name: 'not valid yet',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 600 });
      s.setClock(new Date(t0.getTime() - 120_000));
      return token;
    },
  },
  { name: 'wrong audience', make: async (s) => (await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: ['vault'], expirationSeconds: 3600 })).token },
  { name: 'requested audience not in token', audiences: ['vault'], make: async (s) => (await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 })).token },
  {
    name: 'deleted service account',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 });
      s.objects.splice(s.objects.indexOf(s.sa), 1);
      return token;
    },
  },
  {
    name: 'service account recreated with a new UID',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 });
      s.sa.metadata.uid = 'sa-uid-2';
      return token;
    },
  },
  {
    name: 'bound pod deleted',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600, pod: { name: 'web-0', uid: 'pod-uid-1' } });
      s.objects.splice(s.objects.indexOf(s.pod), 1);
      return token;
    },
  },
  {
    name: 'bound pod recreated with a new UID',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600, pod: { name: 'web-0', uid: 'pod-uid-1' } });
      s.pod.metadata.uid = 'pod-uid-2';
      return token;
    },
  },
  {
    name: 'bound secret deleted',
    make: async (s) => {
      const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600, secret: { name: 's', uid: 'secret-uid-1' } });
      s.objects.splice(s.objects.indexOf(s.secret), 1);
      return token;
    },
  },
  {
    name: 'legacy token not matching the secret',
    make: async (s) => {
      s.secret['data'] = { token: Buffer.from('something else').toString('base64') };
      return s.signer.signLegacy('ns-1', saRef, 's');
    },
  },
];

for (const c of refused) {
  test(`refused (401): ${c.name}`, async () => {
    const s = setup();
    const token = await c.make(s);
    const r = await s.authn.authenticateToken(token, c.audiences);
    assert.equal(r.kind, 'fail', JSON.stringify(r));
    if (c.audiences) return; // the header path always asks for the API server's own audiences
    const viaHeader = await bearerAuthenticator(s.authn).authenticate({ headers: { authorization: `Bearer ${token}` } });
    assert.equal(viaHeader.kind, 'fail');
  });
}

test('a token from another issuer is not ours (skip), and through the header it is still 401', async () => {
  const s = setup();
  const foreign = createTokenSigner({ privateKeyPem: key.privateKey, publicKeyPem: key.publicKey, issuer: 'https://elsewhere', now: () => t0 });
  const { token } = await foreign.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 });
  assert.deepEqual(await s.authn.authenticateToken(token), { kind: 'skip' });
  assert.equal((await bearerAuthenticator(s.authn).authenticate({ headers: { authorization: `Bearer ${token}` } })).kind, 'fail');
});

test('expiry inside the leeway is accepted', async () => {
  const s = setup();
  const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 600 });
  s.setClock(new Date(t0.getTime() + 630_000));
  assert.equal((await s.authn.authenticateToken(token)).kind, 'ok');
});

test('a legacy token matching its secret authenticates', async () => {
  const s = setup();
  const token = await s.signer.signLegacy('ns-1', saRef, 's');
  s.secret['data'] = { token: Buffer.from(token).toString('base64') };
  const r = await s.authn.authenticateToken(token);
  assert.equal(r.kind, 'ok');
  if (r.kind === 'ok') assert.equal(r.user.name, 'system:serviceaccount:ns-1:k-sa-1');
});

test('an EC key pair in the list does not break RSA verification', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const s = setup();
  const authn = serviceAccountTokenAuthenticator({ publicKeys: [ec, key.publicKey], issuers: [defaultIssuer], lookup: s.lookup, now: () => t0 });
  const { token } = await s.signer.signBound({ namespace: 'ns-1', serviceAccount: saRef, audiences: [defaultIssuer], expirationSeconds: 3600 });
  assert.equal((await authn.authenticateToken(token)).kind, 'ok');
});
