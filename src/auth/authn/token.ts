// Bearer tokens: authenticators that understand a token string, chained, and the Authenticator that
// reads the token from the Authorization header for them.
import { getOwn } from '../../api/own.js';
import type { Authenticator, AuthnRequest, AuthnResult, UserInfo } from '../types.js';

export type TokenResult = { kind: 'ok'; user: UserInfo; audiences: string[] } | { kind: 'skip' } | { kind: 'fail'; reason: string };

export interface TokenAuthenticator {
  /** `audiences`: what the caller wants the token to be for; empty = the API server's own audiences. */
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResult>;
}

/** The token of an `Authorization: Bearer <token>` header; undefined for none or another scheme. */
export function bearerToken(headers: AuthnRequest['headers']): string | undefined {
  const raw = getOwn(headers, 'authorization');
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(value);
  return m?.[1];
}

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
      const token = bearerToken(req.headers);
      if (token === undefined) return { kind: 'skip' };
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
