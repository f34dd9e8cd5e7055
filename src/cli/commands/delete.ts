// `delete`: by TYPE NAME…, TYPE/NAME, -f, -l or --all; waits for the objects to be gone unless --wait=false.
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { Command } from '../command.js';
import { CliError, errorText, ExitError, programName, withSource } from '../errors.js';
import { dryRunFlag, dryRunOf, dryRunSuffix, filenameFlags, selectorFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { listAll } from './get.js';
import { parseResourceArgs, pathFor, resourcesRequired } from '../resource-args.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { waitForDeletion } from '../wait-deleted.js';


const cascadePolicies: Record<string, string> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan' };

interface Target {
  mapping: DiscoveredResource;
  namespace: string | undefined;
  name: string;
  source: string;
}

export const command: Command = {
  name: 'delete',
  short: 'Delete resources named on the command line, in files, or matched by a selector',
  long: 'Delete objects named as TYPE NAME or TYPE/NAME, described in manifest files, or matched by a selector (or --all).\n\n Name the objects one way only: by files, by names, or by type and selector. By default delete waits until the objects are gone.',
  examples: [
    '  # Delete everything web.yaml describes',
    '  a-kubectl delete -f web.yaml',
    '  ',
    '  # Delete the Deployment and the Service both called "shop"',
    '  a-kubectl delete deployment,service shop',
    '  ',
    '  # Delete the pods labelled tier=cache, without waiting for them to be gone',
    '  a-kubectl delete pods -l tier=cache --wait=false',
    '  ',
    '  # Delete a stuck pod at once',
    '  a-kubectl delete pod worker-3 --now',
    '  ',
    '  # Delete every Job in namespace batch',
    '  a-kubectl delete jobs --all -n batch',
  ].join('\n'),
  usage: 'delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]',
  flags: [
    ...filenameFlags('with the objects to delete'),
    selectorFlag,
    dryRunFlag,
    { name: 'all', kind: 'bool', usage: 'Delete every object of the given types in the namespace.' },
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Work on every namespace; the current and --namespace namespaces are ignored.' },
    { name: 'cascade', kind: 'string', default: 'background', noOptDefault: 'background', usage: 'What happens to dependents (such as a ReplicaSet\'s pods): background (default) deletes them afterwards, foreground deletes them first, orphan leaves them.' },
    { name: 'field-selector', kind: 'string', usage: "Field selector, e.g. status.phase=Running,spec.nodeName!=worker-1 (=, == and != only; each type allows a few fields)." },
    { name: 'force', kind: 'bool', usage: 'Remove the objects from the API at once without waiting for graceful termination; processes may keep running for a while, so use with care.' },
    { name: 'grace-period', kind: 'int', default: -1, usage: 'Seconds the objects get to shut down; negative keeps their own setting, 1 means at once, 0 only together with --force.' },
    { name: 'ignore-not-found', kind: 'bool', usage: 'Do not fail when an object does not exist (on by default with --all).' },
    { name: 'now', kind: 'bool', usage: 'Ask the objects to shut down at once (the same as --grace-period=1).' },
    { name: 'output', short: 'o', kind: 'string', usage: 'With -o name, print only resource/name of each deleted object.' },
    { name: 'timeout', kind: 'string', default: '0s', usage: 'How long to wait for the objects to be gone before giving up; 0s lets a-kubectl choose.' },
    { name: 'wait', kind: 'bool', default: true, usage: 'Return only once the objects are really gone, finalizers included.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const files = f.list('filename');
    const selecting = f.has('selector') || f.has('field-selector') || f.bool('all');
    if (args.positionals.length === 0 && files.length === 0) throw new CliError(resourcesRequired);
    if (files.length > 0 && args.positionals.length > 0) throw new CliError('Unexpected args: ' + `[${args.positionals.join(' ')}]`);
    if (f.bool('all') && f.has('selector')) throw new CliError('cannot set --all and --selector at the same time');
    const dryRun = dryRunOf(f, ctx.io.stderr);
    let grace = f.int('grace-period');
    if (f.bool('now')) {
      if (grace !== -1) throw new CliError('--now and --grace-period cannot be specified together');
      grace = 1;
    }
    if (grace === 0 && !f.bool('force')) grace = 1; // kubectl turns a bare --grace-period=0 into 1
    if (f.bool('force') && grace < 0) grace = 0;
    if (f.bool('force') && grace === 0) {
      ctx.io.stderr.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    }
    const policy = cascadePolicies[f.string('cascade')];
    if (!policy) throw new CliError(`invalid cascade value (${f.string('cascade')}). Must be "background", "foreground", or "orphan".`);

    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const signal = ctx.factory.signal;
    let failed = false;
    const targets: Target[] = [];
    if (files.length > 0) {
      const infos = toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'delete' }), ns);
      targets.push(...infos.map((i) => ({ mapping: i.mapping, namespace: i.namespace, name: i.name, source: i.source })));
    } else {
      for (const sel of parseResourceArgs(mapper, args.positionals, programName, 'delete')) {
        if (sel.names.length > 0) {
          if (selecting) throw new CliError('name cannot be provided when a selector is specified');
          targets.push(...sel.names.map((name) => ({ mapping: sel.mapping, namespace: ns.namespace, name, source: '' })));
          continue;
        }
        if (!selecting) throw new CliError('resource(s) were provided, but no name was specified');
        const namespace = f.bool('all-namespaces') ? undefined : ns.namespace;
        const query: Record<string, string> = {};
        if (f.string('selector')) query.labelSelector = f.string('selector');
        if (f.string('field-selector')) query.fieldSelector = f.string('field-selector');
        const pages = await listAll(client, pathFor(sel.mapping, namespace), query, 'application/json', 500, signal);
        for (const page of pages) {
          for (const item of (page as { items?: KubeObject[] }).items ?? []) {
            targets.push({ mapping: sel.mapping, namespace: item.metadata.namespace ?? namespace, name: item.metadata.name ?? '', source: '' });
          }
        }
      }
      if (selecting && targets.length === 0) {
        ctx.io.stderr.write(ns.namespace && !f.bool('all-namespaces') ? `No resources found\n` : 'No resources found\n');
        return;
      }
    }

    const deleted: { t: Target; uid: string | undefined }[] = [];
    const ignoreNotFound = f.bool('ignore-not-found') || (f.bool('all') && !f.has('ignore-not-found'));
    for (const t of targets) {
      const body: Record<string, unknown> = { propagationPolicy: policy };
      if (grace >= 0) body.gracePeriodSeconds = grace;
      try {
        let uid: string | undefined;
        if (dryRun !== 'client') {
          const answer = await client.delete(pathFor(t.mapping, t.namespace, t.name), { body, signal, ...(dryRun === 'server' ? { query: { dryRun: 'All' } } : {}) });
          const details = (answer as { details?: { uid?: string }; metadata?: { uid?: string } } | undefined) ?? {};
          uid = details.metadata?.uid ?? details.details?.uid;
        }
        deleted.push({ t, uid });
        const type = singularQualified(t.mapping);
        ctx.io.stdout.write(f.string('output') === 'name' ? `${type}/${t.name}\n` : `${type} "${t.name}" deleted${dryRunSuffix(dryRun)}\n`);
      } catch (e) {
        if (isNotFound(e) && ignoreNotFound) continue;
        failed = true;
        ctx.io.stderr.write(`${errorText(withSource('deleting', t.source, e))}\n`);
      }
    }
    if (f.bool('wait') && dryRun === 'none' && !(f.bool('force') && grace === 0)) {
      await Promise.all(deleted.map(({ t, uid }) => waitForDeletion(client, pathFor(t.mapping, t.namespace), t.name, uid, signal)));
    }
    if (failed) throw new ExitError(1);
  },
};
