// certificates.k8s.io/v1 CertificateSigningRequest: the requester is recorded from the request's user, the
// spec never changes after create, approval conditions change only through /approval and the issued certificate
// only through /status.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { humanDuration } from '../api/duration.js';
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { parseCertificateRequest } from '../pki/csr.js';
import { asObj, child, get, num, objects, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

export const validUsages = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];
const approvalTypes = ['Approved', 'Denied'];

/** Go's %#v of a []byte, as field errors print spec.request. */
function goBytes(b: Buffer): string {
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

function requestPem(csr: KubeObject): { pem: string; raw: Buffer } {
  const raw = Buffer.from(str(get(csr, 'spec', 'request')), 'base64');
  return { pem: raw.toString('latin1'), raw };
}

function validateSignerName(name: string): FieldError[] {
  const path = 'spec.signerName';
  if (name === '') return [field.required(path)];
  const slash = name.indexOf('/');
  if (slash < 0) return [field.invalid(path, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const domain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  const errs: FieldError[] = [];
  if (rest === '') errs.push(field.invalid(path, name, 'validating path: must not be empty'));
  else if (rest.includes('/')) errs.push(field.invalid(path, name, 'validating path: must not contain more than one \'/\''));
  for (const msg of isDNS1123Subdomain(domain)) errs.push(field.invalid(path, name, `validating domain: ${msg}`));
  if (!domain.includes('.')) errs.push(field.invalid(path, name, 'validating domain: should be a domain with at least two segments separated by dots'));
  return errs;
}

function validateConditions(csr: KubeObject, allowBoth = false): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(get(csr, 'status', 'conditions')).forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    const type = str(c.type);
    if (type === '') errs.push(field.required(`${at}.type`));
    if (approvalTypes.includes(type) || type === 'Failed') {
      if (seen.has(type)) errs.push(field.duplicate(`${at}.type`, type));
      seen.add(type);
    }
    const status = str(c.status);
    if (status === '') errs.push(field.required(`${at}.status`));
    else if (approvalTypes.includes(type) && status !== 'True') errs.push(field.notSupported(`${at}.status`, status, ['True']));
    else if (!['True', 'False', 'Unknown'].includes(status)) errs.push(field.notSupported(`${at}.status`, status, ['False', 'True', 'Unknown']));
  });
  if (!allowBoth && seen.has('Approved') && seen.has('Denied')) errs.push(field.invalid('status.conditions', 'Approved', 'Approved and Denied conditions are mutually exclusive'));
  return errs;
}

function validateCertificate(csr: KubeObject): FieldError[] {
  const cert = str(get(csr, 'status', 'certificate'));
  if (cert === '') return [];
  const text = Buffer.from(cert, 'base64').toString('latin1');
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  if (blocks.length === 0) return [field.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block')];
  if (blocks.some((b) => !b.startsWith('-----BEGIN CERTIFICATE-----'))) return [field.invalid('status.certificate', '<certificate data>', 'only CERTIFICATE PEM blocks are allowed, found "' + (/BEGIN ([A-Z0-9 ]+)-/.exec(blocks.find((b) => !b.startsWith('-----BEGIN CERTIFICATE-----')) ?? '')?.[1] ?? '') + '"')];
  return [];
}

export function validateCsr(csr: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const { pem, raw } = requestPem(csr);
  try {
    parseCertificateRequest(pem);
  } catch (e) {
    errs.push({ ...field.invalid('spec.request', raw.toString('base64'), e instanceof Error ? e.message : String(e)), renderedValue: goBytes(raw) });
  }
  const usages = strings(get(csr, 'spec', 'usages'));
  if (usages.length === 0) errs.push(field.required('spec.usages'));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!validUsages.includes(u)) errs.push(field.notSupported(`spec.usages[${i}]`, u, validUsages));
    if (seen.has(u)) errs.push(field.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  const signer = str(get(csr, 'spec', 'signerName'));
  if (signer === 'kubernetes.io/legacy-unknown') errs.push(field.invalid('spec.signerName', signer, 'the legacy signerName is not allowed via this API version'));
  else errs.push(...validateSignerName(signer));
  const expiration = num(get(csr, 'spec', 'expirationSeconds'));
  if (expiration !== undefined && expiration < 600) errs.push(field.invalid('spec.expirationSeconds', expiration, 'may not specify a duration less than 600 seconds (10 minutes)'));
  errs.push(...validateConditions(csr), ...validateCertificate(csr));
  return errs;
}

function conditionsOf(obj: KubeObject): Obj[] {
  return objects(get(obj, 'status', 'conditions'));
}

/** Conditions with the timestamps the server fills in (defaults of a condition written without them). */
function stampConditions(obj: KubeObject, old: KubeObject): void {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const c of conditionsOf(obj)) {
    if (str(c.status) === '') c.status = 'True';
    const prior = conditionsOf(old).find((o) => o.type === c.type);
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) c.lastTransitionTime = prior && prior.status === c.status && prior.lastTransitionTime ? prior.lastTransitionTime : now;
  }
}

function keepConditions(obj: KubeObject, old: KubeObject, fromOld: (type: string) => boolean): void {
  const status = child(obj, 'status');
  const merged = [...conditionsOf(old).filter((c) => fromOld(str(c.type))), ...conditionsOf(obj).filter((c) => !fromOld(str(c.type)))];
  if (merged.length > 0) status.conditions = merged;
  else delete status.conditions;
}

function removedApprovals(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const c of conditionsOf(old)) {
    const type = str(c.type);
    if (approvalTypes.includes(type) && !conditionsOf(obj).some((n) => n.type === type)) errs.push(field.forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
  }
  return errs;
}

/** extractCSRStatus: Pending/Approved/Denied, then ",Failed" and ",Issued". */
export function csrCondition(csr: KubeObject): string {
  const types = new Set(conditionsOf(csr).filter((c) => str(c.status) !== 'False').map((c) => str(c.type)));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (str(get(csr, 'status', 'certificate')) !== '') s += ',Issued';
  return s;
}

const csrTable: TablePrinter = {
  columns: [
    nameColumn,
    ageColumn,
    column('SignerName', 'Requested signer for the request.'),
    column('Requestor', 'The user that created the request.'),
    column('RequestedDuration', 'The validity period the requester asked for.'),
    column('Condition', 'Approval and issuance state of the request.'),
  ],
  cells(csr, now) {
    const signer = str(get(csr, 'spec', 'signerName'));
    const seconds = num(get(csr, 'spec', 'expirationSeconds'));
    return [csr.metadata.name ?? '', age(csr, now), signer || '<none>', str(get(csr, 'spec', 'username')), seconds === undefined ? '<none>' : humanDuration(seconds * 1000), csrCondition(csr)];
  },
};

export function csrStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    // Any name will do for a request.
    nameValidator: () => [],
    validate: validateCsr,
    prepareForCreate(csr) {
      const spec = child(csr, 'spec');
      for (const k of ['username', 'uid', 'groups', 'extra']) delete spec[k];
    },
    fromRequester(csr, user) {
      const spec = child(csr, 'spec');
      spec.username = user.name;
      if (user.uid) spec.uid = user.uid;
      if (user.groups.length > 0) spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length > 0) spec.extra = structuredClone(user.extra);
    },
    prepareForUpdate(csr, old) {
      // Spec and status change only at create and through the subresources.
      csr.spec = structuredClone(old.spec);
    },
    prepareForStatusUpdate(csr, old) {
      keepConditions(csr, old, (type) => approvalTypes.includes(type));
      stampConditions(csr, old);
    },
    validateStatusUpdate(csr, old) {
      const errs = [...validateConditions(csr), ...validateCertificate(csr)];
      const before = str(get(old, 'status', 'certificate'));
      if (before !== '' && str(get(csr, 'status', 'certificate')) !== before) errs.push(field.invalid('status.certificate', '<certificate data>', 'updates may not modify existing certificate content'));
      return errs;
    },
    updateSubresources: {
      approval: {
        prepare(csr, old) {
          const approvals = conditionsOf(csr).filter((c) => approvalTypes.includes(str(c.type)));
          for (const k of Object.keys(csr)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete csr[k];
          csr.spec = structuredClone(old.spec);
          csr.status = structuredClone(asObj(old.status) ?? {});
          const kept = conditionsOf(old).filter((c) => !approvalTypes.includes(str(c.type)));
          const merged = [...kept, ...approvals];
          const status = child(csr, 'status');
          if (merged.length > 0) status.conditions = merged;
          else delete status.conditions;
          stampConditions(csr, old);
        },
        validate: (csr, old) => [...validateConditions(csr), ...removedApprovals(csr, old)],
      },
    },
    table: csrTable,
  });
}

