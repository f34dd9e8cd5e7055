// Console sessions: a random id in an HttpOnly, Secure, SameSite=Strict cookie, kept server-side with the person's
// credential (their bearer token, or the fingerprint of the client certificate their connection presents) and a
// CSRF token every state-changing request must echo in a header.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../auth/types.js';

export type Credential =
  | { kind: 'token'; token: string }
  /** The certificate itself is not stored: each request forwards the one its TLS connection presents. */
  | { kind: 'certificate'; fingerprint: string };

export interface Session {
  id: string;
  csrfToken: string;
  credential: Credential;
  user: UserInfo;
  createdAt: number;
  lastUsedAt: number;
}

export interface SessionLimits {
  /** A session ends this long after sign-in, used or not (default 8 h). */
  absoluteMs: number;
  /** A session ends after this long without a request (default 30 min). */
  idleMs: number;
  /** The oldest sessions are dropped beyond this many (default 10,000). */
  maxSessions: number;
}

export const defaultSessionLimits: SessionLimits = { absoluteMs: 8 * 3600_000, idleMs: 30 * 60_000, maxSessions: 10_000 };

export const sessionCookieName = 'akube_console';

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 of a DER certificate, hex: how a certificate session recognises its certificate. */
export function certificateFingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export class SessionStore {
  // insertion order is age order: the first entry is the oldest session
  private readonly sessions = new Map<string, Session>();
  private readonly limits: SessionLimits;
  private readonly now: () => number;

  constructor(opts: { limits?: Partial<SessionLimits>; now?: () => number } = {}) {
    this.limits = { ...defaultSessionLimits, ...opts.limits };
    this.now = opts.now ?? Date.now;
  }

  create(credential: Credential, user: UserInfo): Session {
    while (this.sessions.size >= this.limits.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    const t = this.now();
    const session: Session = { id: randomToken(), csrfToken: randomToken(), credential, user, createdAt: t, lastUsedAt: t };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (its idle clock restarted), or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.createdAt > this.limits.absoluteMs || t - s.lastUsedAt > this.limits.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastUsedAt = t;
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** The value of one cookie from a Cookie header (the first of that name). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(id: string, path: string): string {
  return `${sessionCookieName}=${id}; Path=${path}; HttpOnly; Secure; SameSite=Strict`;
}

export function clearedSessionCookie(path: string): string {
  return `${sessionCookieName}=; Path=${path}; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(session: Session, header: string | undefined): boolean {
  if (!header) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
