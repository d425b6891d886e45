// node scripts/lib/sink-memory.js <MiB> <partSize> <queueSize> <bucket> <key>
// pgbak's S3 sink alone, without PostgreSQL or the zip writer: <MiB> of incompressible bytes
// written in 64 KiB chunks (what a pipe from pg_dump delivers) through S3Sink from dist to
// the endpoint in the AWS_* environment, then committed. scripts/bench-storage.js measures
// this process's peak memory, so that what the upload path holds can be told apart from
// what the rest of a run holds. <MiB> 0 only loads the SDK and makes the client.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createS3Client, s3ClientOptionsFromEnv, S3Sink } from '../../dist/storage/s3/index.js';

const [mib, partSize, queueSize, bucket, key] = process.argv.slice(2);
if (!bucket || !key) {
  console.error('usage: node scripts/lib/sink-memory.js <MiB> <partSize> <queueSize> <bucket> <key>');
  process.exit(2);
}
const client = createS3Client(s3ClientOptionsFromEnv(process.env));
try {
  if (Number(mib) > 0) {
    const sink = await S3Sink.open({ client, bucket, key, partSize: Number(partSize), queueSize: Number(queueSize) });
    const pool = randomBytes(1024 * 1024);
    const chunks = Number(mib) * 16;
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent === chunks) return void this.push(null);
        const at = (sent++ % 16) * 65536;
        // A fresh buffer each time, as a pipe read is.
        this.push(Buffer.from(pool.subarray(at, at + 65536)));
      },
    });
    await pipeline(source, sink.writable);
    await sink.commit();
  }
} finally {
  client.destroy();
}
