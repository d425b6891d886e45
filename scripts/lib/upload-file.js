// node scripts/lib/upload-file.js <file> <bucket> <key> <partSize> <queueSize>
// The "dump, then upload" way that scripts/bench-storage.js measures pgbak's streaming
// against: one file read from disk into a multipart upload by the same SDK pgbak uses
// (lib-storage's Upload), through pgbak's own client settings (createS3Client from
// dist: checksums "when required", path-style with a custom endpoint), and the client
// options from the AWS_* environment as `pgbak run` reads them. Run as a process of its
// own so that its start-up and memory count as pgbak's do. Run `npm run build` first.
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import { createS3Client, s3ClientOptionsFromEnv } from '../../dist/storage/s3/index.js';

const [file, bucket, key, partSize, queueSize] = process.argv.slice(2);
if (!file || !bucket || !key || !partSize || !queueSize) {
  console.error('usage: node scripts/lib/upload-file.js <file> <bucket> <key> <partSize> <queueSize>');
  process.exit(2);
}
const client = createS3Client(s3ClientOptionsFromEnv(process.env));
try {
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file) },
    partSize: Number(partSize),
    queueSize: Number(queueSize),
  });
  await upload.done();
} finally {
  client.destroy();
}
