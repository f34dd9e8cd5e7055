// The bootstrap token authenticator (kube-apiserver --enable-bootstrap-token-auth): a bearer token `ID.SECRET`
// whose Secret kube-system/bootstrap-token-ID is a valid, unexpired bootstrap token marked for authentication
// authenticates as system:bootstrap:ID in system:bootstrappers and the token's extra groups. A token of another
// shape is not ours (the next authenticator may know it); one of our shape that does not check out is refused,
// and with no other authenticator taking it the request is answered 401.
import { timingSafeEqual } from 'node:crypto';
import {
  bootstrapTokenNamespace,
  bootstrapTokenSecretPrefix,
  bootstrapTokenSecretType,
  bootstrapUserPrefix,
  keys,
  parseBootstrapToken,
  secretData,
  tokenGroups,
  tokenTimeLeftMs,
} from '../../api/bootstrap-token.js';
import type { ObjectLookup } from '../lookup.js';
import { implicitAudiences, type TokenAuthenticator, type TokenResult } from './token.js';

export interface BootstrapTokenAuthenticatorOptions {
  lookup: ObjectLookup;
  apiAudiences: string[];
  now?: () => Date;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bootstrapTokenAuthenticator(o: BootstrapTokenAuthenticatorOptions): TokenAuthenticator {
  const now = o.now ?? (() => new Date());
  return {
    async authenticateToken(token, audiences): Promise<TokenResult> {
      const parsed = parseBootstrapToken(token);
      if (!parsed) return { kind: 'skip' };
      const secret = await o.lookup.get('Secret', bootstrapTokenNamespace, `${bootstrapTokenSecretPrefix}${parsed.id}`);
      if (!secret) return { kind: 'skip' };
      const refuse = (why: string): TokenResult => ({ kind: 'fail', reason: `bootstrap token ${parsed.id}: ${why}` });
      if (secret.metadata.deletionTimestamp) return refuse('is deleted and awaiting removal');
      if (secret['type'] !== bootstrapTokenSecretType) return refuse(`has invalid type, expected ${bootstrapTokenSecretType}`);
      if (!sameText(secretData(secret, keys.secret), parsed.secret)) return refuse(`has invalid value for key ${keys.secret}`);
      if (secretData(secret, keys.id) !== parsed.id) return refuse(`has invalid value for key ${keys.id}`);
      if (tokenTimeLeftMs(secret, now().getTime()) <= 0) return refuse('has expired');
      if (secretData(secret, `${keys.usagePrefix}authentication`) !== 'true') return refuse(`not marked ${keys.usagePrefix}authentication=true`);
      const groups = tokenGroups(secret);
      if ('error' in groups) return refuse(`has invalid value for key ${keys.extraGroups}: ${groups.error}`);
      const auds = implicitAudiences(o.apiAudiences, audiences);
      if (!auds) return { kind: 'fail', reason: 'token audiences are invalid for the target audiences' };
      return { kind: 'ok', user: { name: `${bootstrapUserPrefix}${parsed.id}`, groups: groups.groups }, audiences: auds };
    },
  };
}
