import { LOG_ENTRY, MANIFEST_ENTRY, serializeManifest, type ZipWriter } from '../archive/index.js';
import { signManifest, SIGNATURE_ENTRY } from '../crypto/signing/index.js';
import type { StepContext } from '../engines/step.js';
import type { PgbakLogger } from '../log/index.js';
import { buildManifest } from './build-manifest.js';
import { guardEmptySteps } from './empty-step-guard.js';
import { endWithFailure } from './record-failed-run.js';
import type { RunContext } from './run-context.js';
import type { RunFiles } from './run-files.js';
import { runSteps } from './run-steps.js';
import { writeBackupMetas } from './write-meta.js';
import { summarize, type RunSummary } from './summary.js';

/**
 * Writes the whole zip: the steps, the manifest, the log; or, on any failure,
 * discards it and says why in the log. `held`: steps that keep retention from deleting.
 */
export async function writeArchive(run: RunContext, files: RunFiles): Promise<{ summary: RunSummary; held: string[] }> {
  const { plan, connection, logger, signal } = run;
  const { zip, logPath } = files;
  const startedAt = new Date();
  const archive = zip.location;
  const ctx: StepContext = {
    zip,
    logger,
    progress: run.progress,
    signal,
    password: connection.password,
    sslpassword: connection.sslpassword,
    scratchDir: plan.outputDir,
  };
  try {
    const records = await runSteps(run, ctx);
    // The dump's driver sessions are done with once the last step is: they close (a round
    // trip, and the server's backend ending) while the archive is finished (the manifest,
    // the log entry, fsync and rename) instead of after it. runLocked still waits for the
    // close before verify opens connections of its own. close() never rejects.
    void run.sessions.close();
    // Before the manifest: its steps carry the warning.
    const held = await guardEmptySteps(plan, records, logger, run.config.env);
    const finishedAt = new Date();
    const manifest = buildManifest(plan, records, startedAt, finishedAt);
    const manifestBytes = serializeManifest(manifest);
    await zip.addBuffer(MANIFEST_ENTRY, manifestBytes, { compress: true });
    if (run.config.signing) {
      // Right after the manifest, over its exact bytes; stored, as it is a few hundred bytes.
      await zip.addBuffer(SIGNATURE_ENTRY, signManifest(manifestBytes, run.config.signing, MANIFEST_ENTRY), { compress: false });
      logger.verbose(`signed ${MANIFEST_ENTRY} with key ${run.config.signing.keyId}`);
    }
    const finished = await finishWithLog(zip, logger, archive);
    if (files.fileKey) await writeBackupMetas(files, manifest, finished, run.config.env, logger);
    return { summary: summarize({ plan, records, archive, log: logPath, finished, startedAt, finishedAt }), held };
  } catch (error) {
    throw await endWithFailure(error, zip, logPath, logger);
  }
}

async function finishWithLog(zip: ZipWriter, logger: PgbakLogger, archive: string) {
  logger.info(`finishing ${archive}`);
  // The log inside the zip ends here; the file beside the zip goes on to the end.
  await zip.addBuffer(LOG_ENTRY, Buffer.from(logger.runLogRecords(), 'utf8'), { compress: true });
  const finished = await zip.finish();
  logger.info(`backup complete: ${archive} (${finished.bytes} bytes, sha256 ${finished.sha256})`, {
    copies: (finished.copies ?? [finished]).map(({ location, bytes, sha256 }) => ({ location, bytes, sha256 })),
  });
  return finished;
}
