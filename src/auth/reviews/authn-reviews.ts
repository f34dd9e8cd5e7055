// TokenReview (who does this token belong to?) and SelfSubjectReview (who am I?), authentication.k8s.io.
import type { CustomHandler } from '../../apiserver/router.js';
import { errors } from '../../api/status.js';
import type { UserInfo } from '../types.js';
import { withAuthenticatedGroup } from '../authn/union.js';
import type { TokenAuthenticator } from '../authn/token.js';
import { decodeReview, reviewResponse, specOf, str, strings } from './common.js';

function userInfoJson(user: UserInfo, nameKey: 'username'): Record<string, unknown> {
  const out: Record<string, unknown> = { [nameKey]: user.name };
  if (user.uid) out['uid'] = user.uid;
  out['groups'] = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) out['extra'] = user.extra;
  return out;
}

export function tokenReviewHandler(tokens: TokenAuthenticator): CustomHandler {
  return async function tokenReview(s) {
    const obj = await decodeReview(s);
    const spec = specOf(obj);
    const token = str(spec, 'token');
    if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
    const audiences = strings(spec['audiences']);
    const r = await tokens.authenticateToken(token, audiences);
    if (r.kind === 'ok') {
      return reviewResponse(obj, { authenticated: true, user: userInfoJson(withAuthenticatedGroup(r.user), 'username'), audiences: r.audiences });
    }
    const status: Record<string, unknown> = { user: {} };
    if (r.kind === 'fail') status['error'] = `[invalid bearer token, ${r.reason}]`;
    return reviewResponse(obj, status);
  };
}

export const selfSubjectReviewHandler: CustomHandler = async function selfSubjectReview(s) {
  const obj = await decodeReview(s);
  const user = s.ctx.user;
  if (!user) throw errors.internal(new Error('no user found for request'));
  return reviewResponse(obj, { userInfo: userInfoJson(user, 'username') });
};
