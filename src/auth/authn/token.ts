// Bearer tokens: authenticators that understand a token string, chained, and the Authenticator that
// reads the token from the Authorization header for them.
import { getOwn } from '../../api/own.js';
import type { Authenticator, AuthnRequest, AuthnResult, UserInfo } from '../types.js';

export type TokenResult = { kind: 'ok'; user: UserInfo; audiences: string[] } | { kind: 'skip' } | { kind: 'fail'; reason: string };

export interface TokenAuthenticator {
  /** `audiences`: what the caller wants the token to be for; empty = the API server's own audiences. */
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResult>;
}

/**
 * The credential of an `Authorization: Bearer <token>` header, read as kube-apiserver's bearertoken
 * authenticator reads it: the header trimmed, split at single spaces into at most three parts, the second
 * part the token (so `Bearer <token> extra` presents `<token>`, and `Bearer  <token>` an empty one).
 * Undefined for no header or another scheme; '' for an empty token, which is a bad credential.
 */
export function bearerToken(headers: AuthnRequest['headers']): string | undefined {
  return bearerParts(headers)?.[1];
}

/** The Bearer header split at single spaces into at most three parts, or undefined for none or another scheme. */
function bearerParts(headers: AuthnRequest['headers']): string[] | undefined {
  const raw = getOwn(headers, 'authorization');
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  const parts = value.split(' ', 3);
  return parts.length >= 2 && parts[0]!.toLowerCase() === 'bearer' ? parts : undefined;
}

/** kube-apiserver's Warning for `Bearer  <token>` (the token after two spaces is not read). */
const extraSpaceWarning = 'the provided Authorization header contains extra space before the bearer token, and is ignored';

/** The first token authenticator that recognises the token decides. */
export function unionTokenAuthenticator(list: TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences) {
      for (const a of list) {
        const r = await a.authenticateToken(token, audiences);
        if (r.kind !== 'skip') return r;
      }
      return { kind: 'skip' };
    },
  };
}

/** An Authorization: Bearer header with a token no authenticator recognises is a bad credential (401). */
export function bearerAuthenticator(tokens: TokenAuthenticator): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const parts = bearerParts(req.headers);
      if (parts === undefined) return { kind: 'skip' };
      const token = parts[1]!;
      // An empty token is ignored, as kube-apiserver does: the request goes on as if it carried no Authorization
      // header (anonymous, where allowed); when a token follows an extra space, the reply says why it was not used.
      if (token === '') {
        if (parts.length === 3) req.warn?.(extraSpaceWarning);
        return { kind: 'skip' };
      }
      const r = await tokens.authenticateToken(token);
      if (r.kind === 'ok') return { kind: 'ok', user: r.user };
      if (r.kind === 'fail') return r;
      return { kind: 'fail', reason: 'invalid bearer token' };
    },
  };
}

/** Audience rule for authenticators whose tokens carry no audience (static tokens): valid for the API server's own. */
export function implicitAudiences(apiAudiences: string[], requested: string[] | undefined): string[] | undefined {
  if (!requested || requested.length === 0) return [...apiAudiences];
  const common = requested.filter((a) => apiAudiences.includes(a));
  return common.length > 0 ? common : undefined;
}
