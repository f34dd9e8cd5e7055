// `get`: server-side tables by default, objects for -o json|yaml|name|jsonpath|…, chunked lists, watch.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { isNotFound } from '../../client/api-error.js';
import { groupVersionPrefix } from '../../client/paths.js';
import type { RestClient } from '../../client/rest.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { ParsedCommandLine } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, errorText, ExitError, PlainError, programName } from '../errors.js';
import { filenameFlags, outputFlags, selectorFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { printOptionsFrom, withoutManagedFields } from '../output.js';
import type { PrintOptions, Table } from '../printing.js';
import { isTable, tableAccept } from '../printing.js';
import type { ResourceSelection } from '../resource-args.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';
import { watchSelection } from './get-watch.js';

const missingTypeMessage = [
  'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.',
  '',
  'error: Required resource not specified.',
  'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).',
  `See '${programName} get -h' for help and examples`,
].join('\n');

export const command: Command = {
  name: 'get',
  short: 'List resources or show chosen ones',
  long: [
    'List resources of one or more types, or show the named objects.',
    '',
    ' The default output is a table with the columns the server chooses for the type; -o picks another format',
    ' (wide, yaml, json, name, jsonpath, go-template, custom-columns, ...). Namespaced types are read from the',
    ' current namespace unless -n or -A is given. Use -l and --field-selector to narrow the list.',
    '',
    'Run "a-kubectl api-resources" to see which types the server has.',
  ].join('\n'),
  examples: [
    '  # Pods of the current namespace as a table',
    '  a-kubectl get pods',
    '  ',
    '  # Add node, IP and more columns',
    '  a-kubectl get pods -o wide',
    '  ',
    '  # Deployments of every namespace, with the value of their "team" label',
    '  a-kubectl get deployments -A -L team',
    '  ',
    '  # One Service as YAML',
    '  a-kubectl get service shop -o yaml',
    '  ',
    '  # Just the phase of pod api-0',
    '  a-kubectl get pod api-0 -o jsonpath=\'{.status.phase}\'',
    '  ',
    '  # Several types and names at once',
    '  a-kubectl get deployment/shop service/shop configmap/shop-conf',
    '  ',
    '  # Keep printing changes to pods labelled app=shop',
    '  a-kubectl get pods -l app=shop --watch',
  ].join('\n'),
  usage: 'get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]',
  flags: [
    ...outputFlags('json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file, custom-columns, custom-columns-file, wide'),
    ...filenameFlags('with the objects to act on'),
    selectorFlag,
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: "Work on every namespace; the current and --namespace namespaces are ignored." },
    { name: 'chunk-size', kind: 'int', default: 500, usage: 'Fetch lists in pages of this many items; 0 fetches everything in one request.' },
    { name: 'field-selector', kind: 'string', usage: "Field selector, e.g. status.phase=Running,spec.nodeName!=worker-1 (=, == and != only; each type allows a few fields)." },
    { name: 'ignore-not-found', kind: 'bool', usage: 'If set to true, suppresses NotFound error for specific objects that do not exist. Using this flag with commands that query for collections of resources has no effect when no resources are found.' },
    { name: 'label-columns', short: 'L', kind: 'stringSlice', usage: 'Show the values of these labels as extra columns (comma separated or repeated; case-sensitive).' },
    { name: 'no-headers', kind: 'bool', usage: 'Leave out the header row in table output.' },
    { name: 'output-watch-events', kind: 'bool', usage: 'With --watch or --watch-only, print the watch events themselves; objects already present come first as ADDED events.' },
    { name: 'raw', kind: 'string', usage: 'GET this path from the API server (using the kubeconfig\'s connection) and print the body.' },
    { name: 'show-kind', kind: 'bool', usage: 'Print names as type/name even for a single type.' },
    { name: 'show-labels', kind: 'bool', usage: 'Add a LABELS column with all labels of each object.' },
    { name: 'sort-by', kind: 'string', usage: "Sort the rows by a field given as JSONPath, e.g. '{.metadata.creationTimestamp}' or .spec.replicas; the field must hold a number or a string." },
    { name: 'subresource', kind: 'string', usage: 'Read this subresource (such as status or scale) of the objects.' },
    { name: 'watch', short: 'w', kind: 'bool', usage: 'Print the objects, then keep printing changes to them.' },
    { name: 'watch-only', kind: 'bool', usage: 'Print only changes to the objects, not their current state.' },
  ],
  run: runGet,
};

export function getPrintOptions(args: ParsedCommandLine, showKind: boolean): PrintOptions {
  const f = args.flags;
  return {
    ...printOptionsFrom(f),
    noHeaders: f.bool('no-headers'),
    showLabels: f.bool('show-labels'),
    labelColumns: f.list('label-columns'),
    allNamespaces: f.bool('all-namespaces'),
    showKind: showKind || f.bool('show-kind'),
    ...(f.string('sort-by') ? { sortBy: f.string('sort-by') } : {}),
  };
}

async function runGet(ctx: CommandContext, args: ParsedCommandLine): Promise<void> {
  const f = args.flags;
  if (f.has('raw')) return getRaw(ctx, args);
  const files = f.list('filename');
  if (args.positionals.length === 0 && files.length === 0) throw new PlainError(missingTypeMessage);
  const [mapper, ns] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace()]);
  let selections: ResourceSelection[];
  if (files.length > 0) {
    const infos = toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'get' }), ns);
    selections = infos.map((i) => ({ mapping: i.mapping, names: [i.name], ...(i.namespace ? { namespace: i.namespace } : {}) }));
  } else selections = parseResourceArgs(mapper, args.positionals, programName, 'get');

  const allNamespaces = f.bool('all-namespaces');
  const multipleTypes = new Set(selections.map((s) => s.mapping)).size > 1;
  const printers = await ctx.factory.printers();
  const printer = printers.createPrinter(getPrintOptions(args, multipleTypes));
  const client = await ctx.factory.client();
  const watching = f.bool('watch') || f.bool('watch-only');
  if (watching) {
    if (selections.length !== 1) throw new CliError('you may only specify a single resource type');
    const sel = selections[0] as ResourceSelection;
    await watchSelection(ctx, args, { client, sel, namespace: allNamespaces ? undefined : sel.namespace ?? ns.namespace, printer, printers });
    return;
  }

  let failed = false;
  const tables: { resourceKind: string; table: Table }[] = [];
  const objects: KubeObject[] = [];
  let singleObject = selections.length === 1 && selections[0]?.names.length === 1;
  for (const sel of selections) {
    const namespace = allNamespaces && sel.names.length === 0 ? undefined : sel.namespace ?? ns.namespace;
    const accept = printer.needsTable ? tableAccept : 'application/json';
    const query = {
      ...(f.string('selector') ? { labelSelector: f.string('selector') } : {}),
      ...(f.string('field-selector') ? { fieldSelector: f.string('field-selector') } : {}),
      ...(printer.needsTable && f.string('sort-by') ? { includeObject: 'Object' } : {}),
    };
    const results: unknown[] = [];
    if (sel.names.length === 0) {
      try {
        results.push(...(await listAll(client, pathFor(sel.mapping, namespace), query, accept, f.int('chunk-size'), ctx.factory.signal)));
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(e)}\n`);
      }
    }
    for (const name of sel.names) {
      try {
        results.push(await client.get<unknown>(pathFor(sel.mapping, namespace, name, f.string('subresource') || undefined), { accept, signal: ctx.factory.signal, ...(query.includeObject ? { query: { includeObject: 'Object' } } : {}) }));
      } catch (e) {
        if (isNotFound(e) && f.bool('ignore-not-found')) continue;
        failed = true;
        singleObject = false;
        ctx.io.stderr.write(`${errorText(e)}\n`);
      }
    }
    if (printer.needsTable) {
      const merged = mergeTables(results);
      if (merged) tables.push({ resourceKind: singularQualified(sel.mapping), table: merged });
    } else {
      for (const r of results) objects.push(...itemsOf(r, sel.mapping).map((o) => withoutManagedFields(o, f)));
    }
  }

  const empty = printer.needsTable ? tables.every((t) => t.table.rows.length === 0) : objects.length === 0;
  const output = f.string('output');
  if (printer.needsTable) {
    const nonEmpty = tables.filter((t) => t.table.rows.length > 0);
    if (nonEmpty.length > 0) printer.printTable(nonEmpty, ctx.io.stdout);
  } else if (output === 'name') printer.printObjects(objects, ctx.io.stdout);
  else if (singleObject && objects.length === 1) printer.printObjects(objects, ctx.io.stdout);
  else if (!failed || objects.length > 0) printer.printObjects([{ apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } } as unknown as KubeObject], ctx.io.stdout);

  if (empty && !failed && (printer.needsTable || output === 'name') && !selections.some((s) => s.names.length > 0)) {
    const scoped = !allNamespaces && selections.some((s) => s.mapping.namespaced);
    ctx.io.stderr.write(scoped ? `No resources found in ${ns.namespace} namespace.\n` : 'No resources found\n');
  }
  if (failed) throw new ExitError(1);
}

/** Lists a collection page by page (limit/continue), returning each page's body. */
export async function listAll(client: RestClient, path: string, query: Record<string, string>, accept: string, chunkSize: number, signal: AbortSignal): Promise<unknown[]> {
  const pages: unknown[] = [];
  let cont: string | undefined;
  do {
    const page = await client.get<unknown>(path, { accept, signal, query: { ...query, ...(chunkSize > 0 ? { limit: String(chunkSize) } : {}), ...(cont ? { continue: cont } : {}) } });
    pages.push(page);
    const meta = isRecord(page) && isRecord(page.metadata) ? page.metadata : {};
    cont = typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (cont);
  return pages;
}

function mergeTables(results: unknown[]): Table | undefined {
  const tables = results.filter(isTable);
  const [first, ...rest] = tables;
  if (!first) return undefined;
  return { ...first, rows: [...first.rows, ...rest.flatMap((t) => t.rows)] };
}

/** The objects of a GET answer: the items of a list (with kind and apiVersion filled in) or the object itself. */
export function itemsOf(body: unknown, mapping: DiscoveredResource): KubeObject[] {
  if (!isRecord(body)) return [];
  const apiVersion = groupVersionPrefix(mapping.group, mapping.version).replace(/^\/apis?\//, '');
  if (Array.isArray(body.items)) {
    return body.items.filter(isRecord).map((item) => ({ apiVersion, kind: mapping.kind, ...item }) as KubeObject);
  }
  return [body as KubeObject];
}

async function getRaw(ctx: CommandContext, args: ParsedCommandLine): Promise<void> {
  if (args.positionals.length > 0) throw new CliError('arguments may not be passed when --raw is specified');
  const client = await ctx.factory.client();
  const raw = args.flags.string('raw');
  const url = new URL(raw, 'http://placeholder');
  const res = await client.request({ method: 'GET', path: url.pathname, query: url.searchParams, signal: ctx.factory.signal });
  if (res.status < 200 || res.status > 299) {
    const { errorFromResponse } = await import('../../client/api-error.js');
    throw errorFromResponse(res.status, res.body, res.headers['content-type']);
  }
  ctx.io.stdout.write(res.body.toString('utf8'));
}
