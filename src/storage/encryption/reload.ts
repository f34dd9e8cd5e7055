// --encryption-provider-config-automatic-reload: the EncryptionConfiguration file is checked every interval (each
// minute, as kube-apiserver polls it) and read again when its content has changed. A new configuration is put in
// use only once it has loaded whole (the file parses and checks, every KMS plugin it names answers its Status);
// until then the configuration in use stays, the failure is logged (once per distinct reason) and counted, and
// the next check tries again.
import { createHash } from 'node:crypto';
import { parseEncryptionConfig, readEncryptionConfigText, type ResourceEncryption } from './config.js';

export const defaultReloadIntervalMs = 60_000;

export interface ReloadCounts {
  success: number;
  failure: number;
  /** Seconds since the epoch of the last reload that succeeded or failed; 0 when there was none. */
  lastSuccessSeconds: number;
  lastFailureSeconds: number;
}

export interface EncryptionConfigReloader {
  counts(): ReloadCounts;
  /** One check now (what the timer does): reads the file and, when it changed, applies it. */
  check(): Promise<void>;
  stop(): void;
}

export interface ReloadOptions {
  file: string;
  /** The text the configuration in use was loaded from. */
  loadedText: string;
  intervalMs?: number;
  /** Puts a loaded configuration in use; throws (the old one stays) when it cannot (a KMS plugin that does not answer). */
  apply: (config: ResourceEncryption[]) => Promise<void>;
  log: (line: string) => void;
  now?: () => number;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export function watchEncryptionConfig(o: ReloadOptions): EncryptionConfigReloader {
  const now = o.now ?? Date.now;
  const counts: ReloadCounts = { success: 0, failure: 0, lastSuccessSeconds: 0, lastFailureSeconds: 0 };
  let inUse = digest(o.loadedText);
  let lastReason: string | undefined;
  let running: Promise<void> | undefined;

  async function attempt(): Promise<void> {
    let text: string;
    let config: ResourceEncryption[];
    try {
      text = readEncryptionConfigText(o.file);
      if (digest(text) === inUse) {
        lastReason = undefined;
        return;
      }
      config = parseEncryptionConfig(text, o.file);
      await o.apply(config);
    } catch (e) {
      counts.failure++;
      counts.lastFailureSeconds = now() / 1000;
      const reason = e instanceof Error ? e.message : String(e);
      if (reason !== lastReason) o.log(`encryption config reload failed, the configuration in use stays: ${reason}`);
      lastReason = reason;
      return;
    }
    inUse = digest(text);
    lastReason = undefined;
    counts.success++;
    counts.lastSuccessSeconds = now() / 1000;
    o.log(`encryption config reloaded from ${o.file}`);
  }

  const check = (): Promise<void> => {
    running ??= attempt().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void check(), o.intervalMs ?? defaultReloadIntervalMs);
  timer.unref();
  return { counts: () => ({ ...counts }), check, stop: () => clearInterval(timer) };
}
