// The headers a REST client config implies (credentials, impersonation, user agent), for the connections
// a-kubectl opens itself: WebSocket streams and streamed GETs.
import type { ClientConfig } from '../../client/config-types.js';
import { credentialHeaders } from '../../client/credential-headers.js';

export function headersFor(config: ClientConfig): Record<string, string | string[]> {
  return { ...config.headers, ...(config.userAgent ? { 'User-Agent': config.userAgent } : {}), ...credentialHeaders(config) };
}
