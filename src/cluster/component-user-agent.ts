// The User-Agent of each component's client: its product name is the field manager the API server records for
// the component's writes, so it is the name Kubernetes' own component would have.
export function componentUserAgent(file: string): string {
  // The loop that keeps the kube-dns Service runs in the API server, as kube-apiserver's own Service loops do.
  const apiserverLoops = ['bootstrap', 'kube-dns-service-controller'];
  const name = file === 'controller-manager' ? 'kube-controller-manager' : file === 'scheduler' ? 'kube-scheduler' : apiserverLoops.includes(file) ? 'kube-apiserver' : file.startsWith('node-') ? 'kubelet' : file;
  return `${name}/v1.32.0 (${process.platform}/${process.arch}) a-kube`;
}
