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
  short: 'Delete resources by file names, stdin, resources and names, or by resources and label selector',
  long: 'Delete resources by file names, stdin, resources and names, or by resources and label selector.\n\n JSON and YAML formats are accepted. Only one type of argument may be specified: file names, resources and names, or resources and label selector.',
  examples: [
    '  # Delete a pod using the type and name specified in pod.json',
    '  kubectl delete -f ./pod.json',
    '  ',
    '  # Delete pods and services with same names "baz" and "foo"',
    '  kubectl delete pod,service baz foo',
    '  ',
    '  # Delete pods and services with label name=myLabel',
    '  kubectl delete pods,services -l name=myLabel',
    '  ',
    '  # Delete a pod with minimal delay',
    '  kubectl delete pod foo --now',
    '  ',
    '  # Delete all pods',
    '  kubectl delete pods --all',
  ].join('\n'),
  usage: 'delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]',
  flags: [
    ...filenameFlags('containing the resource to delete.'),
    selectorFlag,
    dryRunFlag,
    { name: 'all', kind: 'bool', usage: 'Delete all resources, in the namespace of the specified resource types.' },
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.' },
    { name: 'cascade', kind: 'string', default: 'background', noOptDefault: 'background', usage: 'Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.' },
    { name: 'field-selector', kind: 'string', usage: "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type." },
    { name: 'force', kind: 'bool', usage: 'If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.' },
    { name: 'grace-period', kind: 'int', default: -1, usage: 'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).' },
    { name: 'ignore-not-found', kind: 'bool', usage: 'Treat "resource not found" as a successful delete. Defaults to "true" when --all is specified.' },
    { name: 'now', kind: 'bool', usage: 'If true, resources are signaled for immediate shutdown (same as --grace-period=1).' },
    { name: 'output', short: 'o', kind: 'string', usage: 'Output mode. Use "-o name" for shorter output (resource/name).' },
    { name: 'timeout', kind: 'string', default: '0s', usage: 'The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object' },
    { name: 'wait', kind: 'bool', default: true, usage: 'If true, wait for resources to be gone before returning. This waits for finalizers.' },
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
