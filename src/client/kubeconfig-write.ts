// Changing kubeconfig files in place: only the touched keys change; comments and other content stay.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { refuseDeepYaml } from '../api/yaml-depth.js';
import type { Kubeconfig } from './kubeconfig.js';

type YamlModule = typeof import('yaml');
type YamlDocument = import('yaml').Document;

async function editFile(file: string, edit: (doc: YamlDocument, yaml: YamlModule) => void): Promise<void> {
  const yaml = await import('yaml');
  const { kubeYamlOptions } = await import('./yaml.js');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const doc =
    text.trim() === ''
      ? new yaml.Document({ apiVersion: 'v1', clusters: [], contexts: [], 'current-context': '', kind: 'Config', preferences: {}, users: [] }, { version: '1.1' })
      : (refuseDeepYaml(text), yaml.parseDocument(text, kubeYamlOptions));
  edit(doc, yaml);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, doc.toString({ indentSeq: false }), { mode: 0o600 });
}

function fileWithCurrentContext(kc: Kubeconfig): string {
  for (const f of kc.files) {
    const text = readFileSync(f, 'utf8');
    if (/^current-context:\s*\S/m.test(text)) return f;
  }
  return kc.writeTarget;
}

export class NoSuchContextError extends Error {
  override name = 'NoSuchContextError';
}

/** `config use-context NAME` */
export async function useContext(kc: Kubeconfig, name: string): Promise<void> {
  if (!kc.contexts.has(name)) throw new NoSuchContextError(`no context exists with the name: "${name}"`);
  await editFile(fileWithCurrentContext(kc), (doc) => doc.set('current-context', name));
}

export interface ContextFields {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** `config set-context NAME --namespace=…`: returns whether the context was created. */
export async function setContext(kc: Kubeconfig, name: string, fields: ContextFields): Promise<'created' | 'modified'> {
  const existing = kc.contexts.get(name);
  const file = existing?.file ?? kc.writeTarget;
  await editFile(file, (doc, yaml) => {
    let contexts = doc.get('contexts');
    if (!yaml.isSeq(contexts)) {
      contexts = doc.createNode([]);
      doc.set('contexts', contexts);
    }
    if (!yaml.isSeq(contexts)) return;
    let item = contexts.items.find((i) => yaml.isMap(i) && i.get('name') === name);
    if (!yaml.isMap(item)) {
      item = doc.createNode({ context: {}, name });
      contexts.items.push(item);
    }
    if (!yaml.isMap(item)) return;
    let ctx = item.get('context');
    if (!yaml.isMap(ctx)) {
      ctx = doc.createNode({});
      item.set('context', ctx);
    }
    if (!yaml.isMap(ctx)) return;
    for (const [k, v] of Object.entries(fields) as [keyof ContextFields, string | undefined][]) {
      if (v === undefined) continue;
      if (v === '') ctx.delete(k);
      else ctx.set(k, v);
    }
  });
  return existing ? 'modified' : 'created';
}
