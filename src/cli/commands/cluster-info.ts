// `cluster-info`: where the control plane and the cluster services answer.
import { isRecord } from '../../api/object.js';
import type { Command } from '../command.js';

const green = (s: string, tty: boolean) => (tty ? `\x1b[0;32m${s}\x1b[0m` : s);
const yellow = (s: string, tty: boolean) => (tty ? `\x1b[0;33m${s}\x1b[0m` : s);

export const command: Command = {
  name: 'cluster-info',
  short: 'Show where the control plane and cluster services answer',
  long: 'Print the URL of the control plane and of the Services labelled kubernetes.io/cluster-service=true in kube-system.',
  examples: '  # Where does the current context\'s cluster answer?\n  a-kubectl cluster-info',
  usage: 'cluster-info [flags] [options]',
  flags: [],
  async run(ctx) {
    const client = await ctx.factory.client();
    const tty = ctx.io.stdoutIsTTY;
    const server = client.config.server.replace(/\/+$/, '');
    const services = await client.list('/api/v1/namespaces/kube-system/services', { query: { labelSelector: 'kubernetes.io/cluster-service=true' }, signal: ctx.factory.signal });
    const lines = [`${green('Kubernetes control plane', tty)} is running at ${yellow(server, tty)}`];
    for (const svc of services.items) {
      const name = svc.metadata.labels?.['kubernetes.io/name'] ?? svc.metadata.name ?? '';
      const spec = isRecord(svc.spec) ? svc.spec : {};
      const ports = Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : [];
      for (const p of ports.length > 0 ? ports : [{}]) {
        const portName = typeof p.name === 'string' && p.name ? `:${p.name}` : '';
        const link = `${server}/api/v1/namespaces/kube-system/services/${svc.metadata.name ?? ''}${portName}/proxy`;
        lines.push(`${green(name, tty)} is running at ${yellow(link, tty)}`);
      }
    }
    ctx.io.stdout.write(`${lines.join('\n')}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`);
  },
};
