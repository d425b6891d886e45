import { ExitCode, type ExitCodeValue } from '../errors.js';

export interface SignalWatch {
  signal: AbortSignal;
  /** The exit code the caught signal calls for, if one was caught. */
  exitCode(): ExitCodeValue | undefined;
  dispose(): void;
}

/**
 * Turns SIGINT/SIGTERM into an abort: the run stops its children (SIGTERM, then
 * SIGKILL after a grace period), waits for them, removes its partial file and
 * exits 130/143. A second signal while that cleanup runs exits at once.
 */
export function watchSignals(onSecond: (code: ExitCodeValue) => void): SignalWatch {
  const controller = new AbortController();
  let caught: ExitCodeValue | undefined;
  const handle = (name: NodeJS.Signals) => {
    const code = name === 'SIGTERM' ? ExitCode.sigterm : ExitCode.sigint;
    if (caught !== undefined) return onSecond(code);
    caught = code;
    controller.abort(name);
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    exitCode: () => caught,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
