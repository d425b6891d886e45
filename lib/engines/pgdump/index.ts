export { pgDumpEngine } from './engine.js';
export { runDumpStepViaFile } from './run-step.js';
