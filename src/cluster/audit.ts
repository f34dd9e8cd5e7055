// The audit log `a-kube up` keeps: DATA_DIR/audit.log with the default policy unless told otherwise.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditor, defaultPolicy, LogBackend, LogFileTimeline, parsePolicy, RecentTimeline, WebhookBackend, type AuditBackend, type Auditor, type TimelineSource } from '../audit/index.js';
import { loadKubeconfig, resolveConfig } from '../client/kubeconfig.js';
import { createRestClient } from '../client/rest.js';

export interface AuditOptions {
  /** --audit-policy-file (default: the built-in policy, `a-kube audit default-policy`). */
  policyFile?: string;
  /** --audit-log-path: a file, "-" for standard output, "" for no log (default DATA_DIR/audit.log). */
  logPath?: string;
  /** --audit-log-maxsize in megabytes (default 100), --audit-log-maxbackup (default 10), --audit-log-maxage in days (default 0: keep). */
  maxSizeMB?: number;
  maxBackups?: number;
  maxAgeDays?: number;
  /** --audit-webhook-config-file: a kubeconfig naming the webhook. */
  webhookConfigFile?: string;
  webhookBatchMaxSize?: number;
  webhookBatchMaxWaitMs?: number;
  /** --audit-webhook-initial-backoff: the pause before a failed batch is sent again (default 10 s, doubling). */
  webhookInitialBackoffMs?: number;
}

export interface ClusterAudit {
  auditor: Auditor;
  /** Where the log goes, for the start-up message ("" when there is none). */
  logPath: string;
  /** The last requests' timeline entries (the web console's audit view), when anything is audited. */
  timeline: TimelineSource | undefined;
}

export async function setUpAudit(dataDir: string, o: AuditOptions, say: (line: string) => void): Promise<ClusterAudit> {
  let policy = defaultPolicy;
  if (o.policyFile) {
    let text: string;
    try {
      text = readFileSync(o.policyFile, 'utf8');
    } catch (e) {
      throw new Error(`cannot read --audit-policy-file ${o.policyFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    policy = parsePolicy(text, o.policyFile);
  }
  const backends: AuditBackend[] = [];
  const logPath = o.logPath ?? join(dataDir, 'audit.log');
  const log = (line: string) => say(`audit: ${line}`);
  let logFile: LogBackend | undefined;
  if (logPath !== '') {
    backends.push(logFile = new LogBackend({
      path: logPath,
      maxSizeBytes: (o.maxSizeMB ?? 100) * 1024 * 1024,
      maxBackups: o.maxBackups ?? 10,
      maxAgeDays: o.maxAgeDays ?? 0,
      log,
    }));
  }
  if (o.webhookConfigFile) {
    const resolved = resolveConfig(await loadKubeconfig({ explicitPath: o.webhookConfigFile }));
    backends.push(new WebhookBackend({
      client: createRestClient({ ...resolved.client, userAgent: 'a-kube/audit' }),
      ...(o.webhookBatchMaxSize ? { maxBatchSize: o.webhookBatchMaxSize } : {}),
      ...(o.webhookBatchMaxWaitMs !== undefined ? { maxBatchWaitMs: o.webhookBatchMaxWaitMs } : {}),
      ...(o.webhookInitialBackoffMs !== undefined ? { initialBackoffMs: o.webhookInitialBackoffMs } : {}),
      log,
    }));
  }
  // The console's timeline sees what the policy records, and only when something is recorded at all: read back
  // from the log file when it is a plain file (its lines written before each read), else kept in memory (standard
  // output, /dev/null, a pipe: nothing to read back).
  let timeline: TimelineSource | undefined;
  if (logFile && logPath !== '-' && statSync(logPath).isFile()) {
    const writer = logFile;
    timeline = new LogFileTimeline(logPath, { log, beforeRead: () => writer.writeHeld() });
  } else if (backends.length > 0) {
    const recent = new RecentTimeline();
    backends.push(recent);
    timeline = recent;
  }
  return { auditor: createAuditor(policy, backends), logPath, timeline };
}
