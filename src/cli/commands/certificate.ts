// `certificate approve|deny NAME...`: sets the Approved or Denied condition of CertificateSigningRequests through
// their approval subresource (kubectl/pkg/cmd/certificates).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { Command, CommandContext } from '../command.js';
import type { ParsedCommandLine } from '../args.js';
import { CliError } from '../errors.js';

const csrPath = (name?: string) => resourcePath({ group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', ...(name !== undefined ? { name } : {}) });

function conditions(csr: KubeObject): Record<string, unknown>[] {
  const status = isRecord(csr['status']) ? csr['status'] : {};
  return Array.isArray(status['conditions']) ? status['conditions'].filter(isRecord) : [];
}

/** The request with the decision added, or undefined when it already carries it. */
export function decide(csr: KubeObject, type: 'Approved' | 'Denied', force: boolean, nowIso: string): KubeObject | undefined {
  const other = type === 'Approved' ? 'Denied' : 'Approved';
  const existing = conditions(csr);
  if (existing.some((c) => c['type'] === other) && !force) throw new CliError(`certificatesigningrequest.certificates.k8s.io/${csr.metadata.name ?? ''} is already ${other}`);
  if (existing.some((c) => c['type'] === type) && !force) return undefined;
  const verb = type === 'Approved' ? 'approve' : 'deny';
  const condition = {
    type,
    status: 'True',
    reason: type === 'Approved' ? 'KubectlApprove' : 'KubectlDeny',
    message: `This CSR was ${type.toLowerCase()} by kubectl certificate ${verb}.`,
    lastUpdateTime: nowIso,
  };
  const status = isRecord(csr['status']) ? csr['status'] : {};
  return { ...csr, status: { ...status, conditions: [...existing.filter((c) => c['type'] !== type && c['type'] !== other), condition] } };
}

async function run(ctx: CommandContext, args: ParsedCommandLine, type: 'Approved' | 'Denied'): Promise<void> {
  if (args.positionals.length === 0) throw new CliError(`one or more CSRs must be specified as <name> or -f <filename>`);
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  for (const name of args.positionals) {
    const csr = await client.get(csrPath(name), { signal });
    const decided = decide(csr, type, args.flags.bool('force'), new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (decided) await client.update(`${csrPath(name)}/approval`, decided, { signal });
    ctx.io.stdout.write(`certificatesigningrequest.certificates.k8s.io/${name} ${type === 'Approved' ? 'approved' : 'denied'}\n`);
  }
}

const forceFlag = { name: 'force', kind: 'bool' as const, usage: 'Write the decision even when the request already carries one.' };

export const approveCommand: Command = {
  name: 'approve',
  short: 'Mark certificate signing requests as approved',
  long: 'Approve certificate signing requests.\n\n Approving tells the request\'s signer that it may issue the certificate. Approve only requests whose subject,\n names and key usages you have checked: an issued certificate can grant its holder whatever its subject is allowed.',
  examples: '  # Approve the request named csr-sqgzp\n  a-kubectl certificate approve csr-sqgzp',
  usage: 'certificate approve (-f FILENAME | NAME) [options]',
  flags: [forceFlag],
  run: (ctx, args) => run(ctx, args, 'Approved'),
};

export const denyCommand: Command = {
  name: 'deny',
  short: 'Mark certificate signing requests as denied',
  long: 'Deny certificate signing requests.\n\n Denying tells the request\'s signer not to issue the certificate.',
  examples: '  # Deny the request named csr-sqgzp\n  a-kubectl certificate deny csr-sqgzp',
  usage: 'certificate deny (-f FILENAME | NAME) [options]',
  flags: [forceFlag],
  run: (ctx, args) => run(ctx, args, 'Denied'),
};

export const command: Command = {
  name: 'certificate',
  short: 'Approve or deny certificate signing requests',
  long: 'Approve or deny CertificateSigningRequests.',
  examples: '',
  usage: 'certificate SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'approve', short: approveCommand.short, load: async () => approveCommand },
    { name: 'deny', short: denyCommand.short, load: async () => denyCommand },
  ],
};
