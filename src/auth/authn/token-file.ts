// --token-auth-file: a CSV of `token,user,uid,"group1,group2"` read once at start (kube-apiserver's tokenfile).
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../types.js';
import { implicitAudiences, type TokenAuthenticator, type TokenResult } from './token.js';

/** Splits one CSV record (RFC 4180 quoting, as Go's encoding/csv reads it). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export class TokenFileError extends Error {
  override name = 'TokenFileError';
}

/** Parses the file's text like kube-apiserver: at least 3 columns, empty tokens skipped, a later duplicate wins. */
export function parseTokenFile(text: string, source = 'token file'): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const fields = csvFields(raw);
    if (fields.length < 3) throw new TokenFileError(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${fields.length}`);
    const [token = '', name = '', uid = '', groups] = fields;
    if (token === '') continue;
    users.set(token, { name, uid, groups: groups === undefined ? [] : groups.split(',') });
  }
  return users;
}

export function tokenFileAuthenticator(users: Map<string, UserInfo>, apiAudiences: string[]): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences): Promise<TokenResult> {
      const user = users.get(token);
      if (!user) return { kind: 'skip' };
      const auds = implicitAudiences(apiAudiences, audiences);
      if (!auds) return { kind: 'fail', reason: 'token audiences are invalid for the target audiences' };
      return { kind: 'ok', user: { ...user, groups: [...user.groups] }, audiences: auds };
    },
  };
}

export function loadTokenFile(path: string, apiAudiences: string[]): TokenAuthenticator {
  return tokenFileAuthenticator(parseTokenFile(readFileSync(path, 'utf8'), path), apiAudiences);
}
