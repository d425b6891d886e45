import { PgbakError } from '../../errors.js';
import type { NativePlanStep } from '../../plan/types.js';
import type { DumpEngine } from '../step.js';
import { runNativeDump, runNativeGlobals } from './run-native-step.js';

/**
 * pgbak's native engine: globals through the cluster's database, a database step
 * through the client that holds the step's exported snapshot.
 */
export const nativeEngine: DumpEngine<NativePlanStep> = {
  name: 'native',
  async runStep(step, session, ctx) {
    if (step.database === null) return runNativeGlobals(step, session, ctx);
    const snapshot = session.snapshot;
    if (!snapshot) throw new PgbakError('INTERNAL', `${step.step}: a native database step runs in an exported snapshot`);
    const { client, id: snapshotId, filter, catalogRecord } = snapshot;
    return runNativeDump(step, { client, snapshotId, connection: session.sessions.connection, serverMajor: session.serverMajor, filter, ...(catalogRecord ? { catalogRecord } : {}) }, ctx);
  },
};
