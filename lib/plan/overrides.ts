// The command-line overrides are applied where the run's configuration is loaded
// (config/run-overrides.ts); re-exported here for code that still imports them from plan/.
export { applyOverrides, type StepOverrides } from '../config/run-overrides.js';
