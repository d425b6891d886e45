// Jest test environment: Node's, plus a check when a test file ends that it left
// nothing keeping the worker's event loop alive (a pending timer, a socket, a child
// process). Such a leftover made Jest report "A worker process has failed to exit
// gracefully" and force-kill the worker; here the file that left it fails, naming
// what it left. Plain JavaScript: Jest loads environments without transforming them.
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
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    // Node opens the stdio pipes on first use and keeps them: open them now, so that a
    // test writing to process.stderr first does not look like a leak.
    void process.stdout;
    void process.stderr;
    this.baseline = countResources();
  }

  async teardown() {
    let left = beyond(this.baseline);
    const deadline = Date.now() + SETTLE_MS;
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = beyond(this.baseline);
    }
    await super.teardown();
    if (left.length > 0) {
      throw new Error(
        `${this.testPath} left ${left.join(', ')} keeping the process alive ${SETTLE_MS} ms after its last test ` +
          '(clear timers, end clients, await child processes; a Jest worker cannot exit past them)',
      );
    }
  }
}
