// Lazily built shared pieces of a command run (kubectl's cmdutil.Factory): config, client, REST mapper, printers.
import type { FlagValues } from './args.js';
import type { Kubeconfig, ResolvedConfig } from '../client/kubeconfig.js';
import type { RestClient } from '../client/rest.js';
import type { RestMapper } from '../client/rest-mapper.js';
import type { PrinterModule } from './printing.js';
import { configOverrides } from './global-flags.js';

/** What `apply` needs from the patch module (src/api/patch). */
export interface PatchModule {
  createThreeWayStrategicMergePatch(original: unknown, modified: unknown, current: unknown, definition: string): Record<string, unknown>;
}

export interface FactoryDeps {
  env: Record<string, string | undefined>;
  home?: string;
  signal: AbortSignal;
  /** Sent as Kubectl-Command-like header and used in the User-Agent. */
  commandPath?: string[];
  loadPrinters?: () => Promise<PrinterModule>;
  loadPatch?: () => Promise<PatchModule>;
  now?: () => Date;
}

export interface Factory {
  readonly signal: AbortSignal;
  readonly flags: FlagValues;
  kubeconfig(): Promise<Kubeconfig>;
  config(): Promise<ResolvedConfig>;
  client(): Promise<RestClient>;
  mapper(): Promise<RestMapper>;
  /** The namespace for this request: -n, else the context's, else "default". */
  namespace(): Promise<{ namespace: string; explicit: boolean }>;
  printers(): Promise<PrinterModule>;
  patches(): Promise<PatchModule>;
  now(): Date;
  /** Closes the client's idle sockets so the process can exit. */
  close(): void;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make());
}

export function createFactory(flags: FlagValues, deps: FactoryDeps): Factory {
  let made: RestClient | undefined;
  const kubeconfig = once(async () => {
    const { loadKubeconfig } = await import('../client/kubeconfig.js');
    return loadKubeconfig({ ...(flags.has('kubeconfig') ? { explicitPath: flags.string('kubeconfig') } : {}), env: deps.env, ...(deps.home ? { home: deps.home } : {}) });
  });
  const config = once(async () => {
    const { resolveConfig } = await import('../client/kubeconfig.js');
    return resolveConfig(await kubeconfig(), configOverrides(flags));
  });
  const client = once(async () => {
    const { createRestClient, clientVersion } = await import('../client/rest.js');
    const cfg = (await config()).client;
    const headers: Record<string, string> = deps.commandPath ? { 'Kubectl-Command': ['kubectl', ...deps.commandPath].join(' ') } : {};
    made = createRestClient({ ...cfg, userAgent: `a-kubectl/v${clientVersion} (${process.platform}/${process.arch})`, headers: { ...headers, ...cfg.headers } });
    return made;
  });
  const mapper = once(async () => {
    const [{ getDiscovery }, { createRestMapper }] = await Promise.all([import('../client/discovery.js'), import('../client/rest-mapper.js')]);
    return createRestMapper(await getDiscovery(await client(), deps.signal));
  });
  return {
    signal: deps.signal,
    flags,
    kubeconfig,
    config,
    client,
    mapper,
    async namespace() {
      const c = await config();
      return { namespace: c.namespace, explicit: c.namespaceExplicit };
    },
    printers: once(deps.loadPrinters ?? (() => import('./printers/index.js'))),
    patches: once(deps.loadPatch ?? (() => import('../api/patch/index.js'))),
    now: deps.now ?? (() => new Date()),
    close: () => made?.close(),
  };
}
