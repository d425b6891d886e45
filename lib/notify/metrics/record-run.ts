import type { MetricsSettings } from '../../config/metrics.js';
import { toPgbakError } from '../../errors.js';
import { describeGateway, pushRunMetrics } from './pushgateway.js';
import { mergeRunMetrics, type RunOutcome } from './run-metrics.js';
import { updateTextfile } from './textfile.js';

/** How metrics report: a failure to write them is a warning, never the run's failure. */
export interface MetricsReporter {
  warn(message: string): void;
  debug(message: string): void;
}

/**
 * After a run (successful or not): rewrites the textfile with the run's groups merged
 * in, and pushes them to the Pushgateway, as the profile asks. Never throws: what
 * cannot be written is a warning (the staleness alert still fires when runs stop).
 */
export async function recordRunMetrics(settings: MetricsSettings | undefined, outcome: RunOutcome, report: MetricsReporter, fetchImpl?: typeof fetch): Promise<void> {
  if (!settings) return;
  if (settings.textfile !== undefined) {
    const path = settings.textfile;
    try {
      const { skipped } = await updateTextfile(path, (previous) => mergeRunMetrics(previous, outcome));
      if (skipped > 0) report.warn(`metrics textfile ${path}: ${skipped} line(s) that did not read were dropped`);
      report.debug(`metrics written to ${path}`);
    } catch (error) {
      const failure = toPgbakError(error);
      report.warn(`metrics not written to ${path}: ${failure.message}${failure.hint ? ` (${failure.hint})` : ''}`);
    }
  }
  if (settings.pushgateway !== undefined) {
    try {
      await pushRunMetrics(settings.pushgateway, outcome, fetchImpl);
      report.debug(`metrics pushed to ${describeGateway(settings.pushgateway.url)}`);
    } catch (error) {
      const failure = toPgbakError(error);
      report.warn(`${failure.message}${failure.hint ? ` (${failure.hint})` : ''}`);
    }
  }
}
