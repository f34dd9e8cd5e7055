// `get -w` / `--watch-only`: list (or get) first, then print a row or object per watch event.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { RestClient } from '../../client/rest.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { ParsedCommandLine } from '../args.js';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { withoutManagedFields } from '../output.js';
import type { Printer, PrinterModule, Table } from '../printing.js';
import { isTable, tableAccept } from '../printing.js';
import type { ResourceSelection } from '../resource-args.js';
import { pathFor } from '../resource-args.js';
import { itemsOf, listAll } from './get.js';
import { ApiError } from '../../client/api-error.js';

interface WatchTarget {
  client: RestClient;
  sel: ResourceSelection;
  namespace: string | undefined;
  printer: Printer;
  printers: PrinterModule;
}

export async function watchSelection(ctx: CommandContext, args: ParsedCommandLine, t: WatchTarget): Promise<void> {
  const f = args.flags;
  const { sel, client } = t;
  const accept = t.printer.needsTable ? tableAccept : 'application/json';
  const query: Record<string, string> = {};
  if (f.string('selector')) query.labelSelector = f.string('selector');
  const fieldSelectors = f.string('field-selector') ? [f.string('field-selector')] : [];
  if (sel.names.length > 1) throw new CliError(`watch is only supported on individual resources and resource collections, but ${sel.names.length} resources were found`);
  if (sel.names[0] !== undefined) fieldSelectors.push(`metadata.name=${sel.names[0]}`);
  if (fieldSelectors.length > 0) query.fieldSelector = fieldSelectors.join(',');
  const path = pathFor(sel.mapping, t.namespace);
  const kind = singularQualified(sel.mapping);

  const pages = await listAll(client, path, query, accept, f.int('chunk-size'), ctx.factory.signal);
  const last = pages[pages.length - 1];
  const rv = isRecord(last) && isRecord(last.metadata) && typeof last.metadata.resourceVersion === 'string' ? last.metadata.resourceVersion : '';
  const rows = t.printers.createWatchTablePrinter(
    {
      wide: f.string('output') === 'wide',
      noHeaders: f.bool('no-headers'),
      showLabels: f.bool('show-labels'),
      labelColumns: f.list('label-columns'),
      allNamespaces: f.bool('all-namespaces'),
      showKind: f.bool('show-kind'),
      outputWatchEvents: f.bool('output-watch-events'),
    },
    ctx.io.stdout,
  );

  const print = (body: unknown, eventType = 'ADDED') => {
    if (t.printer.needsTable) {
      if (!isTable(body) || body.rows.length === 0) return;
      rows.printEvent(eventType, { resourceKind: kind, table: body as Table });
    } else {
      const objs = itemsOf(body, sel.mapping).map((o) => withoutManagedFields(o, f));
      if (objs.length > 0) t.printer.printObjects(objs, ctx.io.stdout);
    }
  };
  if (!f.bool('watch-only')) for (const p of pages) print(p);

  const signal = ctx.factory.signal;
  for await (const ev of client.watch(path, { ...query, resourceVersion: rv, allowWatchBookmarks: 'true' }, signal, { accept })) {
    if (ev.type === 'BOOKMARK') continue;
    if (ev.type === 'ERROR') throw new ApiError(ev.object);
    const obj: KubeObject = ev.object;
    print(isTable(obj) ? obj : { ...obj, kind: obj.kind ?? sel.mapping.kind }, ev.type);
  }
}
