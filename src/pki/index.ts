export type { KeyPairPem, IssueOptions } from './certs.js';
export { certificateSubject } from './subject.js';
export { ensureClusterPki, componentCertificate, kubeletServingCertificate, apiserverSubjectAltNames, type ClusterPki } from './cluster-pki.js';
export { createServiceAccountKey, keyId, type ServiceAccountKeyPem } from './service-account-key.js';
export { parseCertificateRequest, type CertificateRequestInfo } from './csr.js';
export { clusterCsrSigner } from './csr-signer.js';
export { kubeconfigYaml, writeKubeconfig, type KubeconfigSpec } from './kubeconfig.js';
export { createCertificateRequest } from './certs.js';
export { caPublicKeyHash, parseCaHash, pemCertificates } from './ca-hash.js';
