// Jest test environment: Node's, plus a check when a test file has run (its afterAll
// hooks included) that it left nothing keeping the worker's event loop alive: a
// pending timer, a socket, a child process or its pipes. Such a leftover made Jest
// report "A worker process has failed to exit gracefully" and force-kill the worker,
// naming no file; here the file that left it fails, with what it left.
// Plain JavaScript: Jest loads test environments without transforming them.
import { TestEnvironment } from 'jest-environment-node';

// How long the handles a file closed in its last hooks may take to go away.
const SETTLE_MS = 1000;
// Requests that finish on their own; they never hold a worker past its last file.
const TRANSIENT = new Set(['FSReqCallback', 'FSReqPromise', 'Immediate', 'GetAddrInfoReqWrap', 'FileHandleCloseReq']);

function countResources() {
  const counts = new Map();
  for (const type of process.getActiveResourcesInfo()) {
    if (!TRANSIENT.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

function beyond(baseline) {
  return [...countResources()]
    .filter(([type, count]) => count > (baseline.get(type) ?? 0))
    .map(([type, count]) => `${count - (baseline.get(type) ?? 0)} × ${type}`);
}

export default class LeakGuardEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    // Node opens the stdio streams on first use and keeps them, without keeping the
    // process alive: open them now, so that a file that touches them first does not look
    // like a leak (an ESM `import 'node:process'` reads every property, stdin included).
    void process.stdin;
    void process.stdout;
    void process.stderr;
    this.baseline = countResources();
  }

  async handleTestEvent(event, state) {
    // run_finish: every test and hook of the file has run; the results are not made yet.
    if (event.name !== 'run_finish') return;
    let left = beyond(this.baseline);
    const deadline = Date.now() + SETTLE_MS;
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = beyond(this.baseline);
    }
    if (left.length > 0) {
      state.unhandledErrors.push(
        new Error(
          `this file left ${left.join(', ')} keeping the process alive ${SETTLE_MS} ms after its last test and hook ` +
            '(clear timers, end clients, await child processes: a Jest worker cannot exit past them)',
        ),
      );
    }
  }
}
