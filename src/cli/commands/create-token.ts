// `create token SERVICE_ACCOUNT_NAME` (kubectl/pkg/cmd/create/create_token.go): POST a TokenRequest, print the token.
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { ApiError } from '../../client/api-error.js';
import { CliError } from '../errors.js';
import { outputFlags } from '../flag-sets.js';
import { printObjects } from '../output.js';
import { durationFlag } from './go-duration.js';
import { requireOneName } from './create-generated.js';
import { isRecord, type KubeObject } from '../../api/object.js';

const boundKinds: Record<string, string> = { Node: 'v1', Pod: 'v1', Secret: 'v1' };
const boundKindList = Object.keys(boundKinds).sort().join(', ');

export interface TokenRequestOptions {
  audiences: string[];
  durationMs: number;
  boundKind: string;
  boundName: string;
  boundUid: string;
}

export function validateTokenOptions(o: TokenRequestOptions): void {
  if (o.durationMs < 0) throw new CliError('--duration must be greater than or equal to 0');
  if (o.durationMs % 1000 !== 0) throw new CliError('--duration cannot be expressed in units less than seconds');
  if (o.audiences.some((a) => a === '')) throw new CliError('--audience must not be an empty string');
  if (o.boundKind === '') {
    if (o.boundName) throw new CliError('--bound-object-name can only be set if --bound-object-kind is provided');
    if (o.boundUid) throw new CliError('--bound-object-uid can only be set if --bound-object-kind is provided');
  } else {
    if (!boundKinds[o.boundKind]) throw new CliError(`supported --bound-object-kind values are ${boundKindList}`);
    if (!o.boundName) throw new CliError('--bound-object-name is required if --bound-object-kind is provided');
  }
}

export function tokenRequest(o: TokenRequestOptions): KubeObject {
  const spec: Record<string, unknown> = { audiences: o.audiences.length > 0 ? o.audiences : null };
  spec.expirationSeconds = o.durationMs > 0 ? o.durationMs / 1000 : null;
  spec.boundObjectRef = o.boundKind ? { kind: o.boundKind, apiVersion: boundKinds[o.boundKind], name: o.boundName, ...(o.boundUid ? { uid: o.boundUid } : {}) } : null;
  return { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { token: '', expirationTimestamp: null } };
}

export const command: Command = {
  name: 'token',
  short: 'Get a token for a service account (TokenRequest)',
  long: 'Ask the API server for a short-lived token for a service account (TokenRequest) and print it.',
  examples: [
    '  # A token for service account "builder" of the current namespace',
    '  a-kubectl create token builder',
    '  ',
    '  # The same for namespace ci, valid for two hours',
    '  a-kubectl create token builder -n ci --duration=2h',
    '  ',
    '  # A token meant for another service than the API server',
    '  a-kubectl create token builder --audience=vault',
    '  ',
    '  # A token that stops working when pod runner-1 is deleted',
    '  a-kubectl create token builder --bound-object-kind=Pod --bound-object-name=runner-1',
  ].join('\n'),
  usage: 'create token SERVICE_ACCOUNT_NAME [options]',
  flags: [
    ...outputFlags(),
    { name: 'audience', kind: 'stringArray', usage: 'Who the token is meant for (repeatable). Without it the token is for the API server itself.' },
    { name: 'bound-object-kind', kind: 'string', usage: `Kind of an object to bind the token to. Supported kinds are ${boundKindList}. If set, --bound-object-name must be provided.` },
    { name: 'bound-object-name', kind: 'string', usage: 'Tie the token to this object: it stops working once the object is deleted. Needs --bound-object-kind.' },
    { name: 'bound-object-uid', kind: 'string', usage: 'UID of the bound object; needs --bound-object-kind and --bound-object-name. Without it the object\'s current UID is used.' },
    { name: 'duration', kind: 'string', default: '0s', usage: 'How long the token should stay valid (e.g. 1h). Unset or 0 leaves it to the server, which may also grant a different lifetime.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const name = requireOneName(ctx, args);
    const o: TokenRequestOptions = {
      audiences: f.list('audience'),
      durationMs: durationFlag(f.string('duration'), 'duration'),
      boundKind: f.string('bound-object-kind'),
      boundName: f.string('bound-object-name'),
      boundUid: f.string('bound-object-uid'),
    };
    validateTokenOptions(o);
    const [{ namespace }, client] = await Promise.all([ctx.factory.namespace(), ctx.factory.client()]);
    let response: KubeObject;
    try {
      response = await client.create(resourcePath({ group: '', version: 'v1', resource: 'serviceaccounts', namespace, name, subresource: 'token' }), tokenRequest(o), { signal: ctx.factory.signal });
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(`failed to create token: ${e.message}`);
      throw e;
    }
    const token = isRecord(response.status) && typeof response.status.token === 'string' ? response.status.token : '';
    if (!token) throw new CliError('failed to create token: no token in server response');
    if (f.has('output')) {
      await printObjects(ctx, f, [response]);
      return;
    }
    // kubectl adds the newline only on a terminal, so $(kubectl create token …) is the bare token
    ctx.io.stdout.write(ctx.io.stdoutIsTTY ? `${token}\n` : token);
  },
};
