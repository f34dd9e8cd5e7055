// What a REST client needs to reach and authenticate to one API server.

export interface Impersonation {
  user?: string;
  groups?: string[];
  uid?: string;
}

export interface ClientConfig {
  /** e.g. "https://127.0.0.1:34567" (a path prefix is allowed) */
  server: string;
  /**
   * More API servers of the same cluster (the same CA and credentials): when the current one cannot be reached the
   * client moves to the next, round the list, and stays there (--server repeated, or the kubeconfig cluster
   * extension a-kube.io/servers).
   */
  fallbackServers?: string[];
  caData?: Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  certData?: Buffer;
  keyData?: Buffer;
  token?: string;
  /** Read again on every request, so a rotated token file is picked up. */
  tokenFile?: string;
  /** Asked on every request, before tokenFile and token: a token the process renews itself (a controller's). */
  tokenSource?: () => string | undefined;
  username?: string;
  password?: string;
  impersonate?: Impersonation;
  /** Per-request timeout; 0 or undefined means none. */
  timeoutMs?: number;
  userAgent?: string;
  /** Extra headers sent with every request (e.g. Kubectl-Command). */
  headers?: Record<string, string>;
}
