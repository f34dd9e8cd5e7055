// `auth whoami`: a SelfSubjectReview (authentication.k8s.io v1, then v1beta1, then v1alpha1), as a table or -o.
import { setOwn } from '../../api/own.js';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { UserInfo } from '../../auth/types.js';
import { ApiError, isNotFound } from '../../client/api-error.js';
import type { RestClient } from '../../client/rest.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { outputFlags } from '../flag-sets.js';
import { printObjects } from '../output.js';
import { tabulate } from '../tabwriter.js';

const notEnabled =
  'the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API';
const forbidden = 'the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it';

/** Posts a SelfSubjectReview, falling back through the versions older servers serve. */
export async function selfSubjectReview(client: RestClient, signal: AbortSignal): Promise<KubeObject> {
  let last: unknown;
  for (const version of ['v1', 'v1beta1', 'v1alpha1']) {
    const body = { kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${version}`, metadata: { creationTimestamp: null }, status: { userInfo: {} } };
    try {
      return await client.create(`/apis/authentication.k8s.io/${version}/selfsubjectreviews`, body, { signal });
    } catch (e) {
      last = e;
      if (!isNotFound(e)) break;
    }
  }
  if (last instanceof ApiError && last.code === 403) throw new CliError(forbidden);
  if (isNotFound(last)) throw new CliError(notEnabled);
  throw last;
}

export function userInfoOf(review: KubeObject): UserInfo {
  const status = isRecord(review.status) ? review.status : {};
  const ui = isRecord(status.userInfo) ? status.userInfo : {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const extra: Record<string, string[]> = {};
  if (isRecord(ui.extra)) for (const [k, v] of Object.entries(ui.extra)) setOwn(extra, k, strings(v));
  return {
    name: typeof ui.username === 'string' ? ui.username : '',
    ...(typeof ui.uid === 'string' && ui.uid ? { uid: ui.uid } : {}),
    groups: strings(ui.groups),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** Go's %v of a []string. */
export function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

export function whoamiTable(ui: UserInfo): string {
  const rows: string[][] = [['ATTRIBUTE', 'VALUE']];
  if (ui.name) rows.push(['Username', ui.name]);
  if (ui.uid) rows.push(['UID', ui.uid]);
  if (ui.groups.length > 0) rows.push(['Groups', goList(ui.groups)]);
  for (const k of Object.keys(ui.extra ?? {}).sort()) rows.push([`Extra: ${k}`, goList(ui.extra?.[k] ?? [])]);
  return tabulate(rows);
}

export const command: Command = {
  name: 'whoami',
  short: 'Show the user the API server sees you as',
  long: [
    'Show the user the API server authenticated you as: user name, UID, groups and extra attributes, as a SelfSubjectReview reports them.',
    '',
    ' Useful when the credential in use is not obviously tied to a name: a token, a client certificate, an authenticating proxy or an OIDC login. --as and --as-group show the impersonated user instead.',
  ].join('\n'),
  examples: ['  # Which user am I?', '  a-kubectl auth whoami', '  ', '  # The whole SelfSubjectReview, as YAML', '  a-kubectl auth whoami -o yaml'].join('\n'),
  usage: 'auth whoami [options]',
  flags: outputFlags(),
  async run(ctx, args) {
    if (args.positionals.length > 0) throw new CliError(`unknown command "${args.positionals[0] ?? ''}" for "a-kubectl auth whoami"`);
    const client = await ctx.factory.client();
    const review = await selfSubjectReview(client, ctx.factory.signal);
    if (args.flags.string('output')) {
      await printObjects(ctx, args.flags, [review]);
      return;
    }
    ctx.io.stdout.write(whoamiTable(userInfoOf(review)));
  },
};
