// The headers a REST client config implies (credentials, impersonation, user agent), for the connections
// a-kubectl opens itself: WebSocket streams and streamed GETs.
import { readFileSync } from 'node:fs';
import type { ClientConfig } from '../../client/config-types.js';

export function headersFor(config: ClientConfig): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = { ...config.headers };
  if (config.userAgent) h['User-Agent'] = config.userAgent;
  const token = config.tokenFile ? readFileSync(config.tokenFile, 'utf8').trim() : config.token;
  if (token) h.Authorization = `Bearer ${token}`;
  else if (config.username !== undefined && config.password !== undefined) {
    h.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  }
  const imp = config.impersonate;
  if (imp?.user) h['Impersonate-User'] = imp.user;
  if (imp?.uid) h['Impersonate-Uid'] = imp.uid;
  if (imp?.groups?.length) h['Impersonate-Group'] = imp.groups;
  return h;
}
