// `version`: client and server version.
import { isRecord } from '../../api/object.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';

/** The Kubernetes API level a-kubectl speaks, in /version's shape. */
export const clientVersionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0-a-kube.0.1.0',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export const command: Command = {
  name: 'version',
  short: 'Show the a-kubectl and API server versions',
  long: 'Show the version of a-kubectl and of the API server the current context points at.',
  examples: '  # Both versions\n  a-kubectl version\n  \n  # Only a-kubectl\'s, as JSON\n  a-kubectl version --client -o json',
  usage: 'version [flags] [options]',
  flags: [
    { name: 'client', kind: 'bool', usage: 'Show only a-kubectl\'s own version, without asking the server.' },
    { name: 'output', short: 'o', kind: 'string', usage: "Print as yaml or json instead of text." },
  ],
  async run(ctx, args) {
    const output = args.flags.string('output');
    if (output !== '' && output !== 'json' && output !== 'yaml') throw new CliError('--output must be \'yaml\' or \'json\'');
    const result: { clientVersion: typeof clientVersionInfo; serverVersion?: Record<string, unknown> } = { clientVersion: clientVersionInfo };
    let serverError: unknown;
    if (!args.flags.bool('client')) {
      try {
        const client = await ctx.factory.client();
        const v = await client.get<unknown>('/version', { query: { timeout: '32s' }, signal: ctx.factory.signal });
        if (isRecord(v)) result.serverVersion = v;
      } catch (e) {
        serverError = e;
      }
    }
    const out = ctx.io.stdout;
    if (output === 'json') out.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (output === 'yaml') {
      const [{ stringify }, { sortKeysDeep }] = await Promise.all([import('yaml'), import('./config-view.js')]);
      out.write(stringify(sortKeysDeep(result), { version: '1.1' }));
    } else {
      out.write(`Client Version: ${clientVersionInfo.gitVersion}\n`);
      if (result.serverVersion) {
        out.write(`Server Version: ${String(result.serverVersion.gitVersion ?? '')}\n`);
        const serverMinor = Number.parseInt(String(result.serverVersion.minor ?? ''), 10);
        const clientMinor = Number(clientVersionInfo.minor);
        if (Number.isFinite(serverMinor) && Math.abs(serverMinor - clientMinor) > 1) {
          ctx.io.stderr.write(`WARNING: version difference between client (1.${clientMinor}) and server (1.${serverMinor}) exceeds the supported minor version skew of +/-1\n`);
        }
      }
    }
    if (serverError) throw serverError;
  },
};
