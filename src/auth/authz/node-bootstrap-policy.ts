// The RBAC objects kubeadm creates so that nodes can join with bootstrap tokens, under kubeadm's names (tools and
// documentation refer to them):
// - anyone, also unauthenticated, may read kube-public/cluster-info (discovery: the kubeconfig and its signatures);
// - tokens in the default node-token group may create CertificateSigningRequests (system:node-bootstrapper), have
//   kubelet client requests approved (…:nodeclient) and look up Nodes (kubeadm:get-nodes, to refuse a name that a
//   Ready node already has);
// - nodes may have the renewal of their own client certificate approved (…:selfnodeclient).
// Beside kubeadm's, one binding of a-kube's own: a node runs its service proxy and pod routes inside the node agent,
// with the node's credentials, so nodes hold kube-proxy's role (system:node-proxier: list and watch Services,
// EndpointSlices and Nodes) — kubeadm binds that role to the kube-proxy DaemonSet's ServiceAccount instead.
import type { KubeObject } from '../../api/object.js';
import { clusterInfoName, clusterInfoNamespace, defaultNodeTokenGroup } from '../../api/bootstrap-token.js';

const rbac = 'rbac.authorization.k8s.io';
const v1 = `${rbac}/v1`;

function clusterRoleBinding(name: string, role: string, group: string): KubeObject {
  return { apiVersion: v1, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role }, subjects: [{ apiGroup: rbac, kind: 'Group', name: group }] };
}

export const clusterInfoRoleName = 'kubeadm:bootstrap-signer-clusterinfo';
const nodeProxierBindingName = 'a-kube:node-proxier';

export function nodeBootstrapPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[]; roles: KubeObject[]; roleBindings: KubeObject[] } {
  return {
    clusterRoles: [{ apiVersion: v1, kind: 'ClusterRole', metadata: { name: 'kubeadm:get-nodes' }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] }],
    clusterRoleBindings: [
      clusterRoleBinding('kubeadm:get-nodes', 'kubeadm:get-nodes', defaultNodeTokenGroup),
      clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', defaultNodeTokenGroup),
      clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', defaultNodeTokenGroup),
      clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'),
      clusterRoleBinding(nodeProxierBindingName, 'system:node-proxier', 'system:nodes'),
    ],
    roles: [{ apiVersion: v1, kind: 'Role', metadata: { name: clusterInfoRoleName, namespace: clusterInfoNamespace }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [clusterInfoName] }] }],
    roleBindings: [
      { apiVersion: v1, kind: 'RoleBinding', metadata: { name: clusterInfoRoleName, namespace: clusterInfoNamespace }, roleRef: { apiGroup: rbac, kind: 'Role', name: clusterInfoRoleName }, subjects: [{ apiGroup: rbac, kind: 'User', name: 'system:anonymous' }] },
    ],
  };
}
