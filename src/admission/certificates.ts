// CertificateApproval, CertificateSigning and CertificateSubjectRestriction (k8s plugin/pkg/admission/certificates):
// approving or denying a CertificateSigningRequest needs the `approve` verb on its signer
// (certificates.k8s.io/signers, by name or "<domain>/*"), issuing its certificate needs `sign`, and nobody
// may ask the kube-apiserver-client signer for a system:masters certificate.
import type { Authorizer, UserInfo } from '../auth/types.js';
import { get, objects, str } from '../registry/fields.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const isCsr = (req: AdmissionRequest) => req.resource.group === 'certificates.k8s.io' && req.resource.resource === 'certificatesigningrequests';

/** Whether the user holds `verb` on the signer, by its own name or the domain's wildcard. */
export async function authorizedForSigner(authz: Authorizer, user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  const base = { user, verb, resourceRequest: true, namespace: '', apiGroup: 'certificates.k8s.io', apiVersion: '*', resource: 'signers', subresource: '', path: '' };
  if ((await authz.authorize({ ...base, name: signerName })).decision === 'allow') return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && (await authz.authorize({ ...base, name: `${signerName.slice(0, slash)}/*` })).decision === 'allow';
}

function approvals(obj: unknown): string {
  return objects(get(obj, 'status', 'conditions')).filter((c) => c.type === 'Approved' || c.type === 'Denied').map((c) => `${str(c.type)}=${str(c.status)}`).sort().join(',');
}

export function certificateApprovalAdmission(authz: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    handles: (req) => isCsr(req) && req.operation === 'UPDATE' && req.subresource === 'approval',
    async validate(req) {
      // Only a change of Approved/Denied is an approval; other writes through /approval pass.
      if (approvals(req.object) === approvals(req.oldObject)) return;
      const signer = str(get(req.oldObject ?? req.object, 'spec', 'signerName'));
      if (!(await authorizedForSigner(authz, req.user, 'approve', signer))) throw admissionForbidden(req, `user not permitted to approve requests with signerName "${signer}"`);
    },
  };
}

export function certificateSigningAdmission(authz: Authorizer): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    handles: (req) => isCsr(req) && req.operation === 'UPDATE' && req.subresource === 'status',
    async validate(req) {
      if (str(get(req.object, 'status', 'certificate')) === str(get(req.oldObject, 'status', 'certificate'))) return;
      const signer = str(get(req.oldObject ?? req.object, 'spec', 'signerName'));
      if (!(await authorizedForSigner(authz, req.user, 'sign', signer))) throw admissionForbidden(req, `user not permitted to sign requests with signerName "${signer}"`);
    },
  };
}

export function certificateSubjectRestrictionAdmission(parse: (pem: string) => { organizations: string[] }): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    handles: (req) => isCsr(req) && req.operation === 'CREATE' && req.subresource === '',
    async validate(req) {
      if (str(get(req.object, 'spec', 'signerName')) !== 'kubernetes.io/kube-apiserver-client') return;
      let organizations: string[];
      try {
        organizations = parse(Buffer.from(str(get(req.object, 'spec', 'request')), 'base64').toString('latin1')).organizations;
      } catch {
        return; // validation has already refused an unreadable request
      }
      if (organizations.includes('system:masters')) throw admissionForbidden(req, 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
    },
  };
}
