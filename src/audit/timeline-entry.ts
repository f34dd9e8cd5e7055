// One request in the audit timeline, as the console's API sends it (the browser code reads this type too, so this
// file imports nothing).
export interface TimelineEntry {
  /** Position in the feed: entries after a cursor have larger ones. */
  seq: number;
  auditID: string;
  time: string;
  user: string;
  /** The user acted as through impersonation, when there was one. */
  impersonatedUser?: string;
  verb: string;
  /** "pods", "pods/log", "deployments.apps"; empty for a non-resource URL. */
  resource: string;
  namespace: string;
  name: string;
  /** The path without the query (non-resource URLs and resource paths alike). */
  path: string;
  code: number;
  /** authorization.k8s.io/decision: allow, forbid, or "" when the request was not authorized (a 401). */
  decision: string;
  reason: string;
  userAgent: string;
  sourceIP: string;
}
