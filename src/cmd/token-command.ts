// `a-kube token create|list|delete`: bootstrap tokens for nodes that join from other machines (what `kubeadm
// token` does): Secrets kube-system/bootstrap-token-<id>, written through the API with the admin credentials.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  bootstrapGroupError,
  bootstrapTokenNamespace,
  bootstrapTokenSecret,
  bootstrapTokenSecretPrefix,
  bootstrapTokenSecretType,
  clusterInfoName,
  clusterInfoNamespace,
  defaultNodeTokenGroup,
  generateBootstrapToken,
  isTokenId,
  keys,
  knownUsages,
  kubeconfigKey,
  parseBootstrapToken,
  parseRfc3339,
  rfc3339,
  secretData,
  tokenIdFromSecretName,
  tokenUsages,
} from '../api/bootstrap-token.js';
import { parseGoDuration } from '../api/go-duration.js';
import { refuseDeepYaml } from '../api/yaml-depth.js';
import { isRecord, type KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { loadKubeconfig, resolveConfig } from '../client/kubeconfig.js';
import { createRestClient, type RestClient } from '../client/rest.js';
import { caPublicKeyHash, pemCertificates } from '../pki/ca-hash.js';

export const tokenUsage = `Manage bootstrap tokens: the credentials nodes on other machines join the cluster with
("a-kube node join"). A token is ID.SECRET (6 and 16 characters of [a-z0-9]); it is kept as the Secret
kube-system/bootstrap-token-ID, so anyone who may read Secrets in kube-system can read it.

Usage:
  a-kube token create [TOKEN] [options]   Create a token (random unless TOKEN is given) and print it
  a-kube token list [options]             List the tokens
  a-kube token delete TOKEN|ID... [options]
                                          Delete tokens

Options:
  --kubeconfig FILE       Cluster admin credentials (default: DIR/admin.kubeconfig)
  --data-dir DIR          The cluster's data dir, for its admin kubeconfig (default: ~/.a-kube)
  --ttl DURATION          (create) How long the token is valid, e.g. 30m, 24h; 0 never expires (default: 24h)
  --description TEXT      (create) What the token is for, shown by "list"
  --groups G1,G2          (create) Extra groups the token authenticates as; each must start with
                          "system:bootstrappers:" (default: ${defaultNodeTokenGroup},
                          the group the cluster lets join nodes)
  --usages U1,U2          (create) What the token may be used for: authentication (as a bearer token) and/or
                          signing (of the cluster-info ConfigMap, for discovery) (default: signing,authentication)
  --print-join-command    (create) Print the whole "a-kube node join" command for the new token, with the server
                          and the CA's public key hash from kube-public/cluster-info
  -h, --help              Show this help

Examples:
  a-kube token create --print-join-command
  a-kube token create --ttl 2h --description "rack 4"
  a-kube token list
  a-kube token delete abcdef
`;

class TokenCommandError extends Error {}

function fail(message: string): never {
  throw new TokenCommandError(message);
}

async function adminClient(values: { kubeconfig?: string | undefined; 'data-dir'?: string | undefined }): Promise<RestClient> {
  const path = resolve(values.kubeconfig ?? join(values['data-dir'] ? resolve(values['data-dir']) : join(homedir(), '.a-kube'), 'admin.kubeconfig'));
  let config;
  try {
    config = resolveConfig(await loadKubeconfig({ explicitPath: path }), {});
  } catch (e) {
    fail(`cannot read the admin kubeconfig ${path}: ${e instanceof Error ? e.message : String(e)}\nPoint --kubeconfig at it, or --data-dir at the cluster's data directory.`);
  }
  return createRestClient({ ...config.client, userAgent: `a-kube-token/v0.1.0 (${process.platform}/${process.arch})` });
}

function csv(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The join command for a token, with the server and CA hash the cluster publishes in cluster-info. */
export async function joinCommand(client: Pick<RestClient, 'get'>, token: string): Promise<string> {
  let cm: KubeObject;
  try {
    cm = await client.get(`/api/v1/namespaces/${clusterInfoNamespace}/configmaps/${clusterInfoName}`);
  } catch (e) {
    if (isNotFound(e)) fail(`the ConfigMap ${clusterInfoNamespace}/${clusterInfoName} does not exist: start the cluster with "a-kube up", which publishes it`);
    throw e;
  }
  const text = isRecord(cm['data']) ? cm['data'][kubeconfigKey] : undefined;
  let doc: unknown;
  if (typeof text === 'string') {
    try {
      refuseDeepYaml(text);
      doc = parseYaml(text);
    } catch (e) {
      fail(`${clusterInfoNamespace}/${clusterInfoName} holds no readable kubeconfig: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const cluster = isRecord(doc) && Array.isArray(doc['clusters']) && isRecord(doc['clusters'][0]) && isRecord(doc['clusters'][0]['cluster']) ? doc['clusters'][0]['cluster'] : undefined;
  const server = cluster?.['server'];
  const ca = cluster?.['certificate-authority-data'];
  if (typeof server !== 'string' || typeof ca !== 'string') fail(`${clusterInfoNamespace}/${clusterInfoName} holds no server or CA`);
  const hashes = pemCertificates(Buffer.from(ca, 'base64').toString('utf8')).map(caPublicKeyHash);
  return `a-kube node join --server ${server} --token ${token} ${hashes.map((h) => `--discovery-token-ca-cert-hash ${h}`).join(' ')}`;
}

async function create(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      ttl: { type: 'string' },
      description: { type: 'string' },
      groups: { type: 'string' },
      usages: { type: 'string' },
      'print-join-command': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length > 1) fail('create takes at most one argument: the token to create (ID.SECRET)');
  let token = generateBootstrapToken();
  if (positionals[0] !== undefined) {
    const given = parseBootstrapToken(positionals[0]);
    if (!given) fail(`the bootstrap token ${JSON.stringify(positionals[0])} was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
    token = given;
  }
  let ttlMs = 24 * 3600_000;
  if (values.ttl !== undefined) {
    try {
      ttlMs = parseGoDuration(values.ttl);
    } catch (e) {
      fail(`invalid --ttl ${JSON.stringify(values.ttl)}: ${(e as Error).message}; use a duration such as 30m or 24h, or 0 for a token that never expires`);
    }
    if (ttlMs < 0) fail(`invalid --ttl ${JSON.stringify(values.ttl)}: a token cannot expire in the past`);
  }
  const usages = csv(values.usages) ?? ['signing', 'authentication'];
  for (const u of usages) if (!(knownUsages as readonly string[]).includes(u)) fail(`invalid bootstrap token usage string: ${u}, valid usage options: ${knownUsages.join(',')}`);
  if (usages.length === 0) fail('--usages needs at least one of signing, authentication');
  const groups = csv(values.groups) ?? (usages.includes('authentication') ? [defaultNodeTokenGroup] : []);
  for (const g of groups) {
    const error = bootstrapGroupError(g);
    if (error) fail(error);
  }
  if (groups.length > 0 && !usages.includes('authentication')) fail('--groups needs the authentication usage: a token authenticates as its groups only when it is used for authentication');
  const client = await adminClient(values);
  try {
    const secret = bootstrapTokenSecret({ token, ...(ttlMs > 0 ? { expiresAt: new Date(Date.now() + ttlMs) } : {}), usages: [...new Set(usages)], groups: [...new Set(groups)], ...(values.description ? { description: values.description } : {}) });
    try {
      await client.create(`/api/v1/namespaces/${bootstrapTokenNamespace}/secrets`, secret);
    } catch (e) {
      if (isAlreadyExists(e)) fail(`a token with id ${JSON.stringify(token.id)} already exists`);
      throw e;
    }
    const text = `${token.id}.${token.secret}`;
    process.stdout.write(`${values['print-join-command'] ? await joinCommand(client, text) : text}\n`);
  } finally {
    client.close();
  }
}

/** Go's duration.ShortHumanDuration, as kubeadm's TTL column shows it. */
export function shortHumanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`;
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** One row per token in kubeadm's columns and paddings (its tabwriter: cells at least 10 wide, 3 spaces apart). */
export function tokenTable(secrets: KubeObject[], nowMs: number): string {
  const rows: string[][] = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of secrets) {
    const id = tokenIdFromSecretName(s.metadata.name ?? '');
    const tokenSecret = secretData(s, keys.secret);
    if (!id || secretData(s, keys.id) !== id || !/^[a-z0-9]{16}$/.test(tokenSecret)) continue;
    const expiration = secretData(s, keys.expiration);
    const at = expiration === '' ? undefined : parseRfc3339(expiration);
    const ttl = expiration === '' ? '<forever>' : at === undefined ? '<invalid>' : shortHumanDuration(at - nowMs);
    const expires = expiration === '' ? '<never>' : at === undefined ? expiration : rfc3339(new Date(at));
    const usages = tokenUsages(s).join(',') || '<none>';
    const description = secretData(s, keys.description) || '<none>';
    const groups = secretData(s, keys.extraGroups) || '<none>';
    rows.push([`${id}.${tokenSecret}`, ttl.padEnd(9), expires, usages.padEnd(22), description.padEnd(56), groups]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(10, ...rows.map((r) => r[c]!.length + 3)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('').trimEnd() + '\n').join('');
}

async function list(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' } }, allowPositionals: false });
  const client = await adminClient(values);
  try {
    const secrets = await client.list(`/api/v1/namespaces/${bootstrapTokenNamespace}/secrets`, { query: { fieldSelector: `type=${bootstrapTokenSecretType}` } });
    const items = secrets.items.filter((s) => tokenIdFromSecretName(s.metadata.name ?? '') !== undefined);
    process.stdout.write(items.length === 0 ? '' : tokenTable(items, Date.now()));
  } finally {
    client.close();
  }
}

async function remove(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) fail('delete needs the tokens to delete: a-kube token delete TOKEN|ID...');
  const ids = positionals.map((p) => {
    const id = parseBootstrapToken(p)?.id ?? (isTokenId(p) ? p : undefined);
    if (!id) fail(`given token or token id ${JSON.stringify(p)} didn't match pattern "[a-z0-9]{6}" or "[a-z0-9]{6}.[a-z0-9]{16}"`);
    return id;
  });
  const client = await adminClient(values);
  try {
    for (const id of ids) {
      try {
        await client.delete(`/api/v1/namespaces/${bootstrapTokenNamespace}/secrets/${bootstrapTokenSecretPrefix}${id}`);
      } catch (e) {
        if (isNotFound(e)) fail(`bootstrap token ${JSON.stringify(id)} not found`);
        throw e;
      }
      process.stdout.write(`bootstrap token ${JSON.stringify(id)} deleted\n`);
    }
  } finally {
    client.close();
  }
}

export async function tokenCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  try {
    if (sub === undefined || sub === 'help' || sub === '-h' || sub === '--help' || rest.includes('-h') || rest.includes('--help')) {
      process.stdout.write(tokenUsage);
      return;
    }
    if (sub === 'create') return await create(rest);
    if (sub === 'list') return await list(rest);
    if (sub === 'delete') return await remove(rest);
    fail(`unknown command "${sub}" for "a-kube token": use create, list or delete`);
  } catch (e) {
    if (e instanceof TokenCommandError || (e instanceof TypeError && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
