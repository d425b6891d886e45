/** Undoes routeProcessWarnings. */
export interface WarningRoute {
  dispose(): void;
}

/**
 * Sends Node's process warnings to `onWarning` instead of stderr. Dependencies emit
 * them (the `pg` driver's "pgpass support is deprecated" when ~/.pgpass supplies the
 * password): they speak to pgbak's developers, not to the person running a backup,
 * and with --quiet nothing may be printed on success. Node prints them through its
 * own 'warning' listener, which is set aside while the CLI runs.
 */
export function routeProcessWarnings(onWarning: (warning: Error) => void): WarningRoute {
  const nodeDefaults = process.listeners('warning');
  for (const listener of nodeDefaults) process.off('warning', listener);
  const listener = (warning: Error) => onWarning(warning);
  process.on('warning', listener);
  return {
    dispose() {
      process.off('warning', listener);
      for (const original of nodeDefaults) process.on('warning', original);
    },
  };
}
