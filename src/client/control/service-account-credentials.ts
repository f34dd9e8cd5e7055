// Per-controller credentials (kube-controller-manager --use-service-account-credentials): each controller acts as
// its own service account. The manager's own identity makes sure the account exists and asks the API server for a
// token (TokenRequest, one hour); the token is renewed once 80% of its life has passed, at once when a request is
// answered 401 (the account was deleted and made again), and with back-off after a failure. A controller's requests
// wait for its first token.
import type { KubeObject } from '../../api/object.js';
import { ApiError, isAlreadyExists } from '../api-error.js';
import { createRestClient, type CallOptions, type PatchType, type RestClient } from '../rest.js';
import { pathFor, R } from './resources.js';
import type { ControllerClient } from './types.js';
import type { Clock } from '../workqueue.js';

export interface ServiceAccountCredentialsOptions {
  /** The manager's own client: creates the accounts and requests their tokens. Its server and CA are reused. */
  root: RestClient;
  namespace: string;
  clock: Clock;
  signal: AbortSignal;
  log: (line: string) => void;
  /** TokenRequest spec.expirationSeconds (default 3600). */
  expirationSeconds?: number;
  /** Builds the account's client (tests); by default a REST client on the root's server and CA. */
  makeClient?: (account: string, token: () => string | undefined) => ControllerClient;
}

export interface ServiceAccountCredentials {
  /** A client acting as <namespace>/<account>; one per account, made on first use. */
  clientFor(account: string): ControllerClient;
}

const maxBackoffMs = 30_000;

interface Token {
  value: string;
  expiresAt: number;
}

async function requestToken(o: ServiceAccountCredentialsOptions, account: string): Promise<Token> {
  try {
    await o.root.create(pathFor(R.serviceaccounts, o.namespace), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: o.namespace } }, { signal: o.signal });
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const path = `${pathFor(R.serviceaccounts, o.namespace, account)}/token`;
  const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: o.expirationSeconds ?? 3600 } };
  const answer = await o.root.create<KubeObject>(path, body, { signal: o.signal });
  const status = answer['status'];
  const value = typeof status === 'object' && status !== null ? (status as Record<string, unknown>)['token'] : undefined;
  const expiry = typeof status === 'object' && status !== null ? (status as Record<string, unknown>)['expirationTimestamp'] : undefined;
  if (typeof value !== 'string' || value === '') throw new Error(`TokenRequest for ${o.namespace}/${account} returned no token`);
  const expiresAt = typeof expiry === 'string' ? Date.parse(expiry) : NaN;
  return { value, expiresAt: Number.isFinite(expiresAt) ? expiresAt : o.clock.now() + (o.expirationSeconds ?? 3600) * 1000 };
}

/** One account's token: the first fetch, renewals and retries. */
class AccountToken {
  private token: Token | undefined;
  private pending: Promise<void> | undefined;
  private cancelTimer: (() => void) | undefined;
  private failures = 0;

  constructor(
    private readonly o: ServiceAccountCredentialsOptions,
    private readonly account: string,
  ) {
    o.signal.addEventListener('abort', () => this.cancelTimer?.(), { once: true });
  }

  current(): string | undefined {
    return this.token?.value;
  }

  /** Resolves once a token is held (fetching one if none is, or if `renew`). */
  ready(renew = false): Promise<void> {
    if (this.token && !renew) return Promise.resolve();
    this.pending ??= this.fetch().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(): Promise<void> {
    for (;;) {
      if (this.o.signal.aborted) throw new Error('stopped');
      try {
        this.token = await requestToken(this.o, this.account);
        this.failures = 0;
        this.schedule(Math.max(1000, (this.token.expiresAt - this.o.clock.now()) * 0.8));
        return;
      } catch (e) {
        this.failures++;
        const wait = Math.min(maxBackoffMs, 500 * 2 ** Math.min(this.failures, 10));
        this.o.log(`controller credentials: token for ${this.o.namespace}/${this.account}: ${e instanceof Error ? e.message : String(e)} (retry in ${wait} ms)`);
        // A held token stays in use until it is replaced; without one, the first request keeps waiting.
        if (this.token) {
          this.schedule(wait);
          return;
        }
        await new Promise<void>((resolve) => {
          const cancel = this.o.clock.setTimer(resolve, wait);
          this.o.signal.addEventListener('abort', () => (cancel(), resolve()), { once: true });
        });
      }
    }
  }

  private schedule(ms: number): void {
    this.cancelTimer?.();
    if (this.o.signal.aborted) return;
    this.cancelTimer = this.o.clock.setTimer(() => void this.ready(true).catch(() => {}), ms);
  }
}

function isUnauthorized(e: unknown): boolean {
  return e instanceof ApiError && e.code === 401;
}

/** Every call waits for a token first; a 401 renews the token and tries once more. */
function authenticatedClient(inner: ControllerClient, token: AccountToken): ControllerClient {
  async function call<T>(run: () => Promise<T>): Promise<T> {
    await token.ready();
    try {
      return await run();
    } catch (e) {
      if (!isUnauthorized(e)) throw e;
      await token.ready(true);
      return run();
    }
  }
  return {
    get: <T = KubeObject>(path: string, opts?: CallOptions) => call(() => inner.get<T>(path, opts)),
    list: <T extends KubeObject = KubeObject>(path: string, opts?: CallOptions) => call(() => inner.list<T>(path, opts)),
    create: <T = KubeObject>(path: string, body: unknown, opts?: CallOptions) => call(() => inner.create<T>(path, body, opts)),
    update: <T = KubeObject>(path: string, body: unknown, opts?: CallOptions) => call(() => inner.update<T>(path, body, opts)),
    patch: <T = KubeObject>(path: string, patch: unknown, type: PatchType, opts?: CallOptions) => call(() => inner.patch<T>(path, patch, type, opts)),
    delete: (path: string, opts?: CallOptions & { body?: unknown }) => call(() => inner.delete(path, opts)),
  };
}

export function serviceAccountCredentials(o: ServiceAccountCredentialsOptions): ServiceAccountCredentials {
  const clients = new Map<string, ControllerClient>();
  const rootConfig = o.root.config;
  const makeClient =
    o.makeClient ??
    ((account: string, tokenSource: () => string | undefined): ControllerClient => {
      // The server and its CA only: a client certificate would authenticate as the manager instead.
      const client = createRestClient({
        server: rootConfig.server,
        ...(rootConfig.fallbackServers ? { fallbackServers: rootConfig.fallbackServers } : {}),
        ...(rootConfig.caData ? { caData: rootConfig.caData } : {}),
        ...(rootConfig.tlsServerName ? { tlsServerName: rootConfig.tlsServerName } : {}),
        ...(rootConfig.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}),
        userAgent: `${rootConfig.userAgent ?? 'a-kube/controller-manager'}/${account}`,
        tokenSource,
      });
      o.signal.addEventListener('abort', () => client.close(), { once: true });
      return client;
    });
  return {
    clientFor(account) {
      let client = clients.get(account);
      if (!client) {
        const token = new AccountToken(o, account);
        client = authenticatedClient(makeClient(account, () => token.current()), token);
        clients.set(account, client);
      }
      return client;
    },
  };
}
