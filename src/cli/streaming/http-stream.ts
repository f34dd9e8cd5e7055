// A GET whose body is read as it arrives (pod logs with --follow), with the REST client's credentials and TLS.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientConfig } from '../../client/config-types.js';
import { ConnectionError, errorFromResponse } from '../../client/api-error.js';
import { encodeQuery, type Query } from '../../client/paths.js';
import { headersFor } from './request-headers.js';
import { onFirstReachableServer } from '../../client/server-fail-over.js';

/**
 * Resolves with the response once its status is 2xx; otherwise rejects with the server's error. With several
 * servers, the first that can be reached answers.
 */
export function openStream(config: ClientConfig, path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
  return onFirstReachableServer(config, (one) => openOn(one, path, query, signal));
}

function openOn(config: ClientConfig, path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
  const base = new URL(config.server);
  const secure = base.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send({
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || (secure ? 443 : 80),
      method: 'GET',
      path: base.pathname.replace(/\/+$/, '') + path + encodeQuery(query),
      headers: { Accept: 'application/json, */*', ...headersFor(config) },
      ...(secure
        ? {
            ...(config.caData ? { ca: config.caData } : {}),
            ...(config.certData ? { cert: config.certData } : {}),
            ...(config.keyData ? { key: config.keyData } : {}),
            rejectUnauthorized: !config.insecureSkipTLSVerify,
            ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
          }
        : {}),
      signal,
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(res);
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(errorFromResponse(status, Buffer.concat(chunks), res.headers['content-type'])));
    });
    req.on('error', (e: Error) => reject(e.name === 'AbortError' ? e : new ConnectionError(e.message, base.host, { cause: e })));
    req.end();
  });
}
