// --from-literal / --from-file / --from-env-file for `create configmap` and `create secret generic`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CliError } from './errors.js';

const keyPattern = /^[-._a-zA-Z0-9]+$/;

export interface DataEntries {
  /** key → bytes, in the order given */
  entries: Map<string, Buffer>;
}

function add(into: Map<string, Buffer>, key: string, value: Buffer, what: string): void {
  if (!keyPattern.test(key) || key.length > 253) {
    throw new CliError(`${JSON.stringify(key)} is not valid key name for a ${what} a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
  }
  if (into.has(key)) throw new CliError(`cannot add key ${key}, another key by that name already exists in Data for ${what}`);
  into.set(key, value);
}

export function parseLiteralSource(source: string): [string, string] {
  const eq = source.indexOf('=');
  if (eq <= 0) throw new CliError(`invalid literal source ${source}, expected key=value`);
  return [source.slice(0, eq), source.slice(eq + 1)];
}

export function collectData(sources: { literals: string[]; files: string[]; envFiles: string[] }, what: 'ConfigMap' | 'Secret'): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const lit of sources.literals) {
    const [k, v] = parseLiteralSource(lit);
    add(out, k, Buffer.from(v), what);
  }
  for (const src of sources.files) {
    const eq = src.indexOf('=');
    const [key, path] = eq >= 0 ? [src.slice(0, eq), src.slice(eq + 1)] : [undefined, src];
    if (key === '' || path === '') throw new CliError(`key names or file paths cannot be empty`);
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new CliError(`error reading ${path}: no such file or directory`);
    }
    if (st.isDirectory()) {
      if (key !== undefined) throw new CliError('cannot give a key name for a directory path');
      for (const name of readdirSync(path).sort()) {
        const p = join(path, name);
        if (statSync(p).isFile()) add(out, name, readFileSync(p), what);
      }
    } else add(out, key ?? basename(path), readFileSync(path), what);
  }
  for (const envFile of sources.envFiles) {
    for (const raw of readFileSync(envFile, 'utf8').split('\n')) {
      const line = raw.replace(/^\s+/, '');
      if (line === '' || line.startsWith('#')) continue;
      const eq = line.indexOf('=');
      if (eq < 0) {
        const v = process.env[line.trim()];
        if (v !== undefined) add(out, line.trim(), Buffer.from(v), what);
        continue;
      }
      add(out, line.slice(0, eq), Buffer.from(line.slice(eq + 1)), what);
    }
  }
  return out;
}

export function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}
