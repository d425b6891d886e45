// Telling people how backups went: webhooks, pings, e-mail, Prometheus metrics.
export { recordRunMetrics, statusMetrics, type RunOutcome, type MetricsReporter } from './metrics/index.js';
export {
  startRunAlerts,
  notifyStatus,
  describeNotifyEntries,
  redactUrl,
  type RunAlerts,
  type NotificationOutcome,
  type StatusAlertOptions,
} from './alerts/index.js';
