// Reading -f inputs (files, folders, "-" for stdin; YAML streams, JSON, List kinds) and mapping each object
// to its resource and namespace, as kubectl's resource builder does.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { maxJsonDepth } from '../api/json-depth.js';
import { yamlMayNestDeeperThan } from '../api/yaml-depth.js';
import type { DiscoveredResource } from '../client/discovery.js';
import type { RestMapper } from '../client/rest-mapper.js';
import { NoKindMatchError } from '../client/rest-mapper.js';
import { CliError } from './errors.js';

export interface Manifest {
  source: string;
  object: KubeObject;
}

const manifestExtensions = new Set(['.json', '.yaml', '.yml']);

function listFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (recursive) out.push(...listFiles(p, recursive));
    } else if (manifestExtensions.has(extname(name))) out.push(p);
  }
  return out;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Objects from one document's text: a JSON/YAML stream, with List kinds expanded. */
export async function parseManifestText(text: string, source: string): Promise<Manifest[]> {
  const [{ parseAllDocuments }, { kubeYamlOptions }] = await Promise.all([import('yaml'), import('../client/yaml.js')]);
  const out: Manifest[] = [];
  if (yamlMayNestDeeperThan(text, maxJsonDepth)) throw new CliError(`error parsing ${source}: YAML nested more than ${maxJsonDepth} levels deep`);
  const docs = parseAllDocuments(text, kubeYamlOptions);
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw new CliError(`error parsing ${source}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    out.push(...expandObject(value, source));
  }
  return out;
}

function expandObject(value: unknown, source: string): Manifest[] {
  if (!isRecord(value)) throw new CliError(`error validating "${source}": error validating data: invalid object`);
  const kind = value.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new CliError(`unable to decode "${source}": Object 'Kind' is missing in '${JSON.stringify(value)}'`);
  }
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    throw new CliError(`unable to decode "${source}": Object 'apiVersion' is missing in '${JSON.stringify(value)}'`);
  }
  if (kind.endsWith('List') && Array.isArray(value.items)) return value.items.flatMap((item) => expandObject(item, source));
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  return [{ source, object: { ...value, metadata } as KubeObject }];
}

export async function readManifests(paths: string[], opts: { recursive: boolean; stdin: NodeJS.ReadableStream; verb: string }): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...(await parseManifestText(await readStdin(opts.stdin), 'STDIN')));
      continue;
    }
    if (/^https?:\/\//.test(p)) throw new CliError(`reading manifests from URLs is not supported: ${p}`);
    if (!existsSync(p)) throw new CliError(`the path "${p}" does not exist`);
    const files = statSync(p).isDirectory() ? listFiles(p, opts.recursive) : [p];
    for (const f of files) out.push(...(await parseManifestText(readFileSync(f, 'utf8'), f)));
  }
  if (out.length === 0) throw new CliError(`no objects passed to ${opts.verb}`);
  return out;
}

export interface Info {
  source: string;
  object: KubeObject;
  mapping: DiscoveredResource;
  /** Set for namespaced resources. */
  namespace?: string;
  name: string;
}

/** Maps manifests to resources and settles each one's namespace (kubectl's mismatch rule included). */
export function toInfos(mapper: RestMapper, manifests: Manifest[], ns: { namespace: string; explicit: boolean }): Info[] {
  return manifests.map(({ source, object }) => {
    const name = object.metadata.name ?? '';
    let mapping: DiscoveredResource;
    try {
      mapping = mapper.kindFor(object.apiVersion ?? '', object.kind ?? '');
    } catch (e) {
      if (!(e instanceof NoKindMatchError)) throw e;
      throw new CliError(`resource mapping not found for name: "${name}" namespace: "${object.metadata.namespace ?? ''}" from "${source}": ${e.message}\nensure CRDs are installed first`);
    }
    if (!mapping.namespaced) return { source, object, mapping, name };
    const own = object.metadata.namespace;
    if (own && ns.explicit && own !== ns.namespace) {
      throw new CliError(`the namespace from the provided object "${own}" does not match the namespace "${ns.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
    }
    return { source, object, mapping, namespace: own || ns.namespace, name };
  });
}
