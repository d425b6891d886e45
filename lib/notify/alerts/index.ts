// Alerts: webhooks (JSON, Slack, Teams, Discord), healthchecks.io-style pings and
// e-mail, sent at the end of a run and by `pgbak status --notify`.
export { startRunAlerts, notifyDeadline, type RunAlerts } from './run-alerts.js';
export { notifyStatus, type StatusAlertOptions } from './status-alerts.js';
export { sendNotice, pingUrl, DEFAULT_NOTIFY_DEADLINE_MS, type NotificationOutcome } from './send.js';
export { webhookBody } from './payloads.js';
export { noticeText, noticeTitle, type Notice, type RunNotice, type StaleNotice } from './report.js';
export { redactUrl } from './redact-url.js';
export { resolveTargets, describeNotifyEntries, maskTargetSecrets, type NotifyTarget } from './targets.js';
export { retryAfter } from './http-post.js';
export { subjectOf } from './email.js';
