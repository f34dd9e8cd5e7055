// The auditor: one policy, several backends. The API server asks it what to record for a request and hands it
// the events; it never waits for a backend.
import { evaluatePolicy, notAudited } from './policy.js';
import type { AuditBackend, PendingEvent, Policy, PolicyAttributes, RequestAuditConfig } from './types.js';

export interface Auditor {
  evaluate(a: PolicyAttributes): RequestAuditConfig;
  emit(event: PendingEvent): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAuditor(policy: Policy, backends: readonly AuditBackend[]): Auditor {
  return {
    evaluate: (a) => (backends.length === 0 ? notAudited : evaluatePolicy(policy, a)),
    emit(event) {
      const one = [event];
      for (const b of backends) b.process(one);
    },
    async flush() {
      await Promise.all(backends.map((b) => b.flush()));
    },
    async close() {
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}
