// The built-in signers of CertificateSigningRequests (kube-controller-manager's csrsigning controllers):
// kubernetes.io/kube-apiserver-client, kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kubelet-serving.
// An approved request for one of them is checked against that signer's rules and signed with the cluster CA, or
// marked Failed with the reason; the CA key stays with the caller (the injected CsrSigner).
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { timestamp } from '../../client/control/events.js';
import { resourcePath } from '../../client/paths.js';
import { objectKey, type Indexer } from '../../client/informer.js';
import { WorkQueue, type Clock } from '../../client/workqueue.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext } from '../../client/control/types.js';
import { asObj, get, num, objects, str, strings } from '../../registry/fields.js';

export interface RequestNames {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

export interface CsrSigner {
  /** Parses and verifies a PEM certificate request (throws with the reason). */
  parse(pem: string): RequestNames;
  /** Issues a certificate for the request; returns PEM. */
  sign(pem: string, usages: string[], notBefore: Date, notAfter: Date): Promise<string>;
}

/** --cluster-signing-duration: what a request without expirationSeconds gets (and the most any gets). */
export const defaultSigningDurationMs = 365 * 24 * 3600_000;
const backdateMs = 5 * 60_000;
const csrResource = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

function clientUsages(usages: string[], what: 'client' | 'serving'): string | undefined {
  const required = what === 'client' ? 'client auth' : 'server auth';
  let has = false;
  for (const u of usages) {
    if (u === 'digital signature' || u === 'key encipherment') continue;
    if (u === required) has = true;
    else return `invalid usage for ${what} certificate: ${u}`;
  }
  return has ? undefined : `missing required usage for ${what} certificate: ${required}`;
}

function nodeSubject(r: RequestNames): string | undefined {
  if (r.organizations.length !== 1 || r.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (!r.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return undefined;
}

/** Why a request does not meet its signer's rules, or undefined when it does. */
export function signerRefusal(signerName: string, r: RequestNames, usages: string[]): string | undefined {
  switch (signerName) {
    case 'kubernetes.io/kube-apiserver-client':
      return clientUsages(usages, 'client');
    case 'kubernetes.io/kube-apiserver-client-kubelet': {
      const subject = nodeSubject(r);
      if (subject) return subject;
      if (r.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
      if (r.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
      if (r.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
      if (r.uris.length > 0) return 'URI subjectAltNames are not allowed';
      return clientUsages(usages, 'client');
    }
    case 'kubernetes.io/kubelet-serving': {
      const subject = nodeSubject(r);
      if (subject) return subject;
      if (r.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
      if (r.uris.length > 0) return 'URI subjectAltNames are not allowed';
      if (r.dnsNames.length + r.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
      return clientUsages(usages, 'serving');
    }
    default:
      return undefined;
  }
}

export const builtinSigners = ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving'];

export interface SignerDeps {
  client: ControllerClient;
  csrs: Indexer;
  signer: CsrSigner;
  clock: Clock;
  signingDurationMs?: number;
}

function trueCondition(csr: KubeObject, type: string): boolean {
  return objects(get(csr, 'status', 'conditions')).some((c) => c.type === type && c.status === 'True');
}

async function writeStatus(d: SignerDeps, csr: KubeObject, status: Record<string, unknown>): Promise<void> {
  const path = `${resourcePath({ ...csrResource, name: csr.metadata.name ?? '' })}/status`;
  try {
    await d.client.update(path, { ...csr, status });
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return; // gone, or changed: the change brings it back to the queue
    throw e;
  }
}

export async function reconcileCsr(key: string, d: SignerDeps): Promise<void> {
  const csr = d.csrs.get(key);
  if (!csr) return;
  const signerName = str(get(csr, 'spec', 'signerName'));
  if (!builtinSigners.includes(signerName)) return;
  if (!trueCondition(csr, 'Approved') || trueCondition(csr, 'Failed') || str(get(csr, 'status', 'certificate')) !== '') return;
  const pem = Buffer.from(str(get(csr, 'spec', 'request')), 'base64').toString('latin1');
  const usages = strings(get(csr, 'spec', 'usages'));
  const status = structuredClone(asObj(csr['status']) ?? {});
  const now = d.clock.now();
  let names: RequestNames;
  try {
    names = d.signer.parse(pem);
  } catch (e) {
    throw new Error(`unable to parse csr "${csr.metadata.name ?? ''}": ${e instanceof Error ? e.message : String(e)}`);
  }
  const refusal = signerRefusal(signerName, names, usages);
  if (refusal) {
    status.conditions = [...objects(status.conditions), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: timestamp(now), lastTransitionTime: timestamp(now) }];
    await writeStatus(d, csr, status);
    return;
  }
  const most = d.signingDurationMs ?? defaultSigningDurationMs;
  const asked = num(get(csr, 'spec', 'expirationSeconds'));
  const ttl = asked === undefined ? most : Math.min(most, asked * 1000);
  const certificate = await d.signer.sign(pem, usages, new Date(now - backdateMs), new Date(now + ttl));
  status.certificate = Buffer.from(certificate).toString('base64');
  await writeStatus(d, csr, status);
}

export function startCsrSigningController(ctx: ControllerContext, signer: CsrSigner, opts: { signingDurationMs?: number } = {}): Promise<void> {
  const csrs = ctx.factory.informerFor({ path: resourcePath(csrResource) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  csrs.addEventHandler({ add: (c) => queue.add(objectKey(c)), update: (_o, c) => queue.add(objectKey(c)) });
  const deps: SignerDeps = { client: ctx.client, csrs: csrs.store, signer, clock: ctx.clock, ...(opts.signingDurationMs ? { signingDurationMs: opts.signingDurationMs } : {}) };
  return runController({ name: 'csrsigning', informers: [csrs], queue, primary: { informer: csrs, resource: csrResource }, recorder: ctx.recorder, reconcile: (k) => reconcileCsr(k, deps), workers: ctx.workers ?? 1, signal: ctx.signal, log: ctx.log });
}
