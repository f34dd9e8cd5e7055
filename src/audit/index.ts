// Kubernetes' audit log (audit.k8s.io/v1): policy, events, the log and webhook backends.
export { createAuditor, type Auditor } from './auditor.js';
export { defaultPolicy, defaultPolicyText } from './default-policy.js';
export { LogBackend, type LogBackendOptions } from './log-backend.js';
export { parsePolicy, evaluatePolicy, PolicyError } from './policy.js';
export { acceptableAuditId, RequestAudit, type RequestFacts, type StageResponse } from './record.js';
export { matchesFilter, RecentTimeline, timelineEntry, type TimelineEntry, type TimelineFilter, type TimelineSource } from './timeline.js';
export { LogFileTimeline } from './timeline-file.js';
export { WebhookBackend, type WebhookBackendOptions } from './webhook-backend.js';
export * from './types.js';
