// Resource arguments as kubectl's builder reads them: `TYPE [NAME…]`, `TYPE1,TYPE2`, `TYPE/NAME…`, categories.
import type { DiscoveredResource } from '../client/discovery.js';
import type { RestMapper } from '../client/rest-mapper.js';
import { resourcePath } from '../client/paths.js';
import { CliError } from './errors.js';

/** kubectl's message when a command that needs resources got neither arguments nor -f. */
export const resourcesRequired = [
  'You must provide one or more resources by argument or filename.',
  'Example resource specifications include:',
  "   '-f rsrc.yaml'",
  "   '--filename=rsrc.json'",
  "   '<resource> <name>'",
  "   '<resource>'",
].join('\n');

export interface ResourceSelection {
  mapping: DiscoveredResource;
  /** Empty: the whole collection (filtered by selectors). */
  names: string[];
  /** Overrides the command's namespace (objects named by -f files). */
  namespace?: string;
}

export function parseResourceArgs(mapper: RestMapper, args: string[], programName = 'kubectl', verb = 'get'): ResourceSelection[] {
  if (args.length === 0) return [];
  const slashed = args.filter((a) => a.includes('/'));
  if (slashed.length > 0) {
    if (slashed.length !== args.length) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. '${programName} ${verb} resource/<resource_name>' instead of '${programName} ${verb} resource resource/<resource_name>'`,
      );
    }
    const out: ResourceSelection[] = [];
    for (const a of args) {
      const slash = a.indexOf('/');
      const type = a.slice(0, slash);
      const name = a.slice(slash + 1);
      if (!type || !name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const mapping = mapper.resourceFor(type);
      const same = out.find((s) => s.mapping === mapping && out[out.length - 1] === s);
      if (same) same.names.push(name);
      else out.push({ mapping, names: [name] });
    }
    return out;
  }
  const [types = '', ...names] = args;
  const mappings: DiscoveredResource[] = [];
  for (const word of types.split(',').filter((w) => w !== '')) {
    for (const m of mapper.expand(word)) if (!mappings.includes(m)) mappings.push(m);
  }
  return mappings.map((mapping) => ({ mapping, names: [...names] }));
}

export function pathFor(mapping: DiscoveredResource, namespace: string | undefined, name?: string, subresource?: string): string {
  return resourcePath({
    group: mapping.group,
    version: mapping.version,
    resource: mapping.resource,
    ...(mapping.namespaced && namespace ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  });
}
