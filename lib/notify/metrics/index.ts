// Prometheus metrics: a node_exporter textfile and a Pushgateway after each run, and
// the same families from `pgbak status --format prometheus`.
export { ALL_FAMILIES, RUN_FAMILIES, STATUS_FAMILIES, GROUP_LABELS, type MetricFamily } from './families.js';
export { escapeLabelValue, parseExposition, renderExposition, EXPOSITION_CONTENT_TYPE, type Exposition, type Sample } from './exposition.js';
export { mergeRunMetrics, runSamples, type RunOutcome } from './run-metrics.js';
export { updateTextfile, textfileLockPath, TEXTFILE_MODE } from './textfile.js';
export { pushRunMetrics, groupingPath, describeGateway, type PushgatewaySettings } from './pushgateway.js';
export { recordRunMetrics, type MetricsReporter } from './record-run.js';
export { statusMetrics } from './status-metrics.js';
