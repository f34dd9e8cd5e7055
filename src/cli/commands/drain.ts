// `drain NODE`: cordon the node, then evict its pods through pods/eviction (retrying every 5 s while a
// PodDisruptionBudget refuses with 429), or delete them with --disable-eviction, and wait until they are gone
// (kubectl/pkg/drain). Pods a drain cannot safely remove stop it unless the matching flag allows them.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { ApiError, isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { selectorFlag } from '../flag-sets.js';
import { setUnschedulable } from './cordon.js';
import { durationFlag } from './go-duration.js';

const retryMs = 5000;
const mirrorAnnotation = 'kubernetes.io/config.mirror';

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const podRef = (p: KubeObject) => `${p.metadata.namespace ?? ''}/${p.metadata.name ?? ''}`;

interface Plan {
  evict: KubeObject[];
  warnings: string[];
  errors: string[];
}

/** Sorts the node's pods into those to remove, those skipped with a warning, and those that stop the drain. */
export function planDrain(pods: KubeObject[], o: { force: boolean; ignoreDaemonSets: boolean; deleteEmptyDirData: boolean }): Plan {
  const evict: KubeObject[] = [];
  const skippedDaemonSet: string[] = [];
  const unmanaged: string[] = [];
  const localStorage: string[] = [];
  const daemonSetBlocked: string[] = [];
  const forced: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.annotations?.[mirrorAnnotation] !== undefined) continue;
    const phase = rec(pod['status'])['phase'];
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const controller = (pod.metadata.ownerReferences ?? []).find((r) => r.controller);
    if (!finished && controller?.kind === 'DaemonSet') {
      if (o.ignoreDaemonSets) skippedDaemonSet.push(podRef(pod));
      else daemonSetBlocked.push(podRef(pod));
      continue;
    }
    if (!finished && !controller) (o.force ? forced : unmanaged).push(podRef(pod));
    const volumes = Array.isArray(rec(pod['spec'])['volumes']) ? (rec(pod['spec'])['volumes'] as unknown[]) : [];
    if (!finished && !o.deleteEmptyDirData && volumes.some((v) => isRecord(v) && v['emptyDir'] !== undefined)) localStorage.push(podRef(pod));
    evict.push(pod);
  }
  const errors: string[] = [];
  if (daemonSetBlocked.length) errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${daemonSetBlocked.join(', ')}`);
  if (unmanaged.length) errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(', ')}`);
  if (localStorage.length) errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${localStorage.join(', ')}`);
  const warnings: string[] = [];
  if (skippedDaemonSet.length) warnings.push(`ignoring DaemonSet-managed Pods: ${skippedDaemonSet.join(', ')}`);
  if (forced.length) warnings.push(`deleting Pods that declare no controller: ${forced.join(', ')}`);
  return { evict, warnings, errors };
}

export const command: Command = {
  name: 'drain',
  short: 'Cordon a node and evict its pods before maintenance',
  long: [
    'Prepare a node for maintenance: mark it unschedulable, then evict every pod on it through the eviction API,',
    'which honours PodDisruptionBudgets (a refused eviction is retried every 5 seconds until --timeout).',
    'DaemonSet-managed pods, pods without a controller and pods with emptyDir data stop the drain unless',
    '--ignore-daemonsets, --force or --delete-emptydir-data says they may be skipped or removed.',
    'Mirror pods are left alone. Run uncordon to make the node schedulable again.',
  ].join('\n'),
  examples: '  # Drain node "foo", skipping DaemonSet pods\n  a-kubectl drain foo --ignore-daemonsets\n\n  # As above, giving up after five minutes\n  a-kubectl drain foo --ignore-daemonsets --timeout=5m',
  usage: 'drain NODE [options]',
  flags: [
    selectorFlag,
    { name: 'pod-selector', kind: 'string', usage: 'Only evict the node\'s pods that match this label selector' },
    { name: 'force', kind: 'bool', usage: 'Also remove pods that no controller (ReplicaSet, Job, StatefulSet…) manages.' },
    { name: 'ignore-daemonsets', kind: 'bool', usage: 'Skip DaemonSet-managed pods instead of stopping.' },
    { name: 'delete-emptydir-data', kind: 'bool', usage: 'Also remove pods using emptyDir volumes (their data is lost).' },
    { name: 'disable-eviction', kind: 'bool', usage: 'Delete pods directly instead of evicting them: PodDisruptionBudgets are not consulted.' },
    { name: 'grace-period', kind: 'int', default: -1, usage: 'Seconds each pod gets to terminate; negative means the pod\'s own terminationGracePeriodSeconds.' },
    { name: 'timeout', kind: 'string', default: '0s', usage: 'How long to keep trying before giving up; 0 waits forever.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (args.positionals.length !== 1) throw new CliError('USAGE: drain NODE [flags]');
    const node = (args.positionals[0] ?? '').replace(/^(nodes?|no)\//, '');
    const timeoutMs = durationFlag(f.string('timeout'), 'timeout');
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
    const signal = ctx.factory.signal;
    const client = await ctx.factory.client();
    const out = ctx.io.stdout;
    const changed = await setUnschedulable(client, node, true, signal);
    out.write(changed ? `node/${node} cordoned\n` : `node/${node} already cordoned\n`);

    const podSelector = f.string('pod-selector');
    const list = await client.list('/api/v1/pods', { query: { fieldSelector: `spec.nodeName=${node}`, ...(podSelector ? { labelSelector: podSelector } : {}) }, signal });
    const plan = planDrain(list.items, { force: f.bool('force'), ignoreDaemonSets: f.bool('ignore-daemonsets'), deleteEmptyDirData: f.bool('delete-emptydir-data') });
    const pending = () => `There are pending nodes to be drained:\n ${node}\n`;
    if (plan.errors.length) {
      ctx.io.stderr.write(`error: unable to drain node "${node}" due to error: ${plan.errors.join(', ')}, continuing command...\n${pending()}`);
      throw new CliError(plan.errors.join(', '));
    }
    for (const w of plan.warnings) ctx.io.stderr.write(`Warning: ${w}\n`);

    const grace = f.int('grace-period');
    const deleteOptions = grace >= 0 ? { gracePeriodSeconds: grace } : {};
    const failures: string[] = [];
    const removeOne = async (pod: KubeObject) => {
      const ns = pod.metadata.namespace ?? '';
      const name = pod.metadata.name ?? '';
      const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`;
      for (;;) {
        if (!f.bool('disable-eviction')) out.write(`evicting pod ${ns}/${name}\n`);
        try {
          if (f.bool('disable-eviction')) await client.delete(path, { body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions }, signal });
          else await client.create(`${path}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, deleteOptions }, { signal });
          break;
        } catch (e) {
          if (isNotFound(e)) return;
          if (!(e instanceof ApiError) || e.code !== 429) throw e;
          if (Date.now() >= deadline) throw new Error(`error when evicting pods/"${name}" -n "${ns}": global timeout reached: ${f.string('timeout')}`);
          ctx.io.stderr.write(`error when evicting pods/"${name}" -n "${ns}" (will retry after 5s): ${e.message}\n`);
          await new Promise((r) => setTimeout(r, Math.max(0, Math.min(retryMs, deadline - Date.now()))));
        }
      }
      // Gone, or replaced by a pod of the same name (a new UID), counts as evicted.
      for (;;) {
        try {
          const cur = await client.get(path, { signal });
          if (cur.metadata.uid !== pod.metadata.uid) break;
        } catch (e) {
          if (isNotFound(e)) break;
          throw e;
        }
        if (Date.now() > deadline) throw new Error(`error when waiting for pod "${name}" in namespace "${ns}" to terminate: global timeout reached: ${f.string('timeout')}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      out.write(f.bool('disable-eviction') ? `pod/${name} deleted\n` : `pod/${name} evicted\n`);
    };
    await Promise.all(plan.evict.map((p) => removeOne(p).catch((e: unknown) => void failures.push(e instanceof Error ? e.message : String(e)))));
    if (failures.length) {
      ctx.io.stderr.write(`error: unable to drain node "${node}" due to error: [${failures.join(', ')}], continuing command...\n${pending()}`);
      throw new CliError(`[${failures.join(', ')}]`);
    }
    out.write(`node/${node} drained\n`);
  },
};
