// The profile's `metrics:` section: a Prometheus textfile for node_exporter's textfile
// collector, and optionally a Pushgateway. Checked when the profile loads; written
// after every run (lib/notify/metrics).
import { isAbsolute } from 'node:path';
import * as z from 'zod';

// Whole numbers may also come as digit strings: ${TIMEOUT} expands to text.
const wholeNumber = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max));

/** A textfile path: absolute (node_exporter's folder is), ending in `.prom` (the only files the collector reads). */
const textfile = z
  .string()
  .min(1)
  .refine((path) => isAbsolute(path), { message: 'an absolute path, e.g. /var/lib/node_exporter/textfile/pgbak.prom' })
  .refine((path) => /[^/]\.prom$/.test(path) && !/\/\.[^/]*$/.test(path), {
    message: 'a file name ending in .prom, not starting with "." (node_exporter reads only *.prom files)',
  });

/** Pushgateway grouping labels and job names: Prometheus label values are any UTF-8 text, but a job must name something. */
const pushgatewaySchema = z
  .object({
    /** The Pushgateway's base URL, e.g. `http://pushgateway:9091` (user:password@ for basic auth). */
    url: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//i.test(url), { message: 'an http:// or https:// URL' }),
    /** The `job` grouping label (default `pgbak`). */
    job: z.string().min(1).optional(),
    /** Give up after this many milliseconds (default 10000). */
    timeoutMs: wholeNumber(100, 120_000).optional(),
  })
  .strict();

/** Where a run's metrics go: at least one of `textfile` and `pushgateway`. */
export const metricsSchema = z
  .object({
    /** node_exporter textfile, e.g. `/var/lib/node_exporter/textfile/pgbak.prom`: rewritten atomically after every run, 0644. */
    textfile: textfile.optional(),
    /** Also push each run's metrics to a Prometheus Pushgateway (a failed push is a warning). */
    pushgateway: pushgatewaySchema.optional(),
  })
  .strict()
  .refine((metrics) => metrics.textfile !== undefined || metrics.pushgateway !== undefined, {
    message: 'metrics needs textfile: /path/to/pgbak.prom or pushgateway: { url }',
  });

export type MetricsSettings = z.infer<typeof metricsSchema>;
