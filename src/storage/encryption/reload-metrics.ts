// The encryption config reloads on /metrics, named as kube-apiserver names them (without its apiserver_id_hash
// label): how many reloads succeeded and failed, and when each last did.
import type { Collected } from '../../metrics/registry.js';
import type { EncryptionConfigReloader } from './reload.js';

export function reloadMetrics(reloader: EncryptionConfigReloader): Collected[] {
  return [
    {
      name: 'apiserver_encryption_config_controller_automatic_reloads_total',
      help: '[ALPHA] Total number of reload successes and failures of encryption configuration split by apiserver identity.',
      type: 'counter',
      labelNames: ['status'],
      samples: () => {
        const c = reloader.counts();
        return [
          { labels: ['failure'], value: c.failure },
          { labels: ['success'], value: c.success },
        ];
      },
    },
    {
      name: 'apiserver_encryption_config_controller_automatic_reload_last_timestamp_seconds',
      help: '[ALPHA] Timestamp of the last successful or failed automatic reload of encryption configuration split by apiserver identity.',
      type: 'gauge',
      labelNames: ['status'],
      samples: () => {
        const c = reloader.counts();
        return [
          ...(c.lastFailureSeconds > 0 ? [{ labels: ['failure'], value: c.lastFailureSeconds }] : []),
          ...(c.lastSuccessSeconds > 0 ? [{ labels: ['success'], value: c.lastSuccessSeconds }] : []),
        ];
      },
    },
  ];
}
