// The User-Agent of each component's client: its product name is the field manager the API server records for
// the component's writes, so it is the name Kubernetes' own component would have.
export function componentUserAgent(file: string): string {
  const name = file === 'controller-manager' ? 'kube-controller-manager' : file === 'scheduler' ? 'kube-scheduler' : file === 'bootstrap' ? 'kube-apiserver' : file.startsWith('node-') ? 'kubelet' : file;
  return `${name}/v1.32.0 (${process.platform}/${process.arch}) a-kube`;
}
