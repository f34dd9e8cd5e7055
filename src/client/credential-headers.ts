// The headers a client config implies on every request: credentials and impersonation
// (used by the REST client and by the streaming connections a-kubectl opens itself).
import { readFileSync } from 'node:fs';
import type { ClientConfig } from './config-types.js';

export function credentialHeaders(config: ClientConfig): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  // A token file is read again on every request, so a rotated token is picked up.
  const token = config.tokenSource?.() ?? (config.tokenFile ? readFileSync(config.tokenFile, 'utf8').trim() : config.token);
  if (token) h.Authorization = `Bearer ${token}`;
  else if (config.username !== undefined && config.password !== undefined) {
    h.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  }
  const imp = config.impersonate;
  if (imp?.user) h['Impersonate-User'] = imp.user;
  if (imp?.uid) h['Impersonate-Uid'] = imp.uid;
  // Impersonate-Group repeats, so it goes in as an array.
  if (imp?.groups?.length) h['Impersonate-Group'] = imp.groups;
  return h;
}
