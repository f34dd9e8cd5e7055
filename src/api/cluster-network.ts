// Address defaults the control plane and every node agree on unless told otherwise.

/** The pods' address range (--cluster-cidr), one /24 per node, as kubeadm's and flannel's examples use it. */
export const defaultClusterCidr = '10.244.0.0/16';
