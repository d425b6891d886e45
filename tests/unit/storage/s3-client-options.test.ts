// The S3 client's settings come from the command's loaded environment (the env file
// included), not from process.env where the AWS SDK would look for some of them.
import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createS3Client, s3ClientOptionsFromEnv } from '../../../lib/storage/s3/index.js';

describe('s3ClientOptionsFromEnv', () => {
  it('reads AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, PGBAK_S3_TIMEOUT and PGBAK_S3_CONNECT_TIMEOUT from the env it is given', () => {
    expect(
      s3ClientOptionsFromEnv({ AWS_MAX_ATTEMPTS: '7', AWS_RETRY_MODE: 'adaptive', PGBAK_S3_TIMEOUT: '90', PGBAK_S3_CONNECT_TIMEOUT: '2.5', AWS_REGION: 'eu-west-3' }),
    ).toEqual({ region: 'eu-west-3', maxAttempts: 7, retryMode: 'adaptive', idleTimeoutMs: 90_000, connectTimeoutMs: 2_500 });
  });

  it('leaves them to the defaults when unset or empty', () => {
    expect(s3ClientOptionsFromEnv({ AWS_MAX_ATTEMPTS: '', AWS_RETRY_MODE: ' ' })).toEqual({ region: 'us-east-1' });
  });

  it.each([
    ['AWS_MAX_ATTEMPTS', '0', 'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, got "0"'],
    ['AWS_MAX_ATTEMPTS', '2.5', 'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, got "2.5"'],
    ['AWS_MAX_ATTEMPTS', 'five', 'AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, got "five"'],
    ['AWS_RETRY_MODE', 'legacy', 'AWS_RETRY_MODE must be standard or adaptive, got "legacy"'],
    ['PGBAK_S3_TIMEOUT', '-1', 'PGBAK_S3_TIMEOUT must be a number of seconds from 0.01 to 86400, got "-1"'],
    ['PGBAK_S3_CONNECT_TIMEOUT', '10s', 'PGBAK_S3_CONNECT_TIMEOUT must be a number of seconds from 0.01 to 3600, got "10s"'],
  ])('refuses %s=%s as a configuration error naming the variable', (name, value, message) => {
    expect(() => s3ClientOptionsFromEnv({ [name]: value })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message, hint: expect.stringContaining(name) }));
  });
});

describe('createS3Client', () => {
  it('bounds every request: 5 attempts with standard backoff, 10 s to connect, 60 s of silence', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    try {
      expect(await client.config.maxAttempts()).toBe(5);
      expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({ connectionTimeout: 10_000, socketTimeout: 60_000 });
    } finally {
      client.destroy();
    }
  });

  it('takes the attempts, retry mode and timeouts it is given', async () => {
    const client = createS3Client({ region: 'us-east-1', maxAttempts: 2, retryMode: 'adaptive', connectTimeoutMs: 500, idleTimeoutMs: 1500 });
    try {
      expect(await client.config.maxAttempts()).toBe(2);
      expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({ connectionTimeout: 500, socketTimeout: 1500 });
    } finally {
      client.destroy();
    }
  });
});

describe('payload signing', () => {
  // The requests as they would go out, signed, without a network: a middleware right after
  // the signer records each and answers it.
  function recording(endpoint: string): { client: ReturnType<typeof createS3Client>; sent: Array<{ command: string; headers: Record<string, string> }> } {
    const client = createS3Client({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
    const sent: Array<{ command: string; headers: Record<string, string> }> = [];
    client.middlewareStack.addRelativeTo(
      ((_next: unknown, context: { commandName?: string }) => async (args: { request: { headers: Record<string, string> } }) => {
        sent.push({ command: context.commandName ?? '', headers: { ...args.request.headers } });
        return { response: { statusCode: 200, headers: {} }, output: { $metadata: {}, ETag: '"e"' } };
      }) as never,
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'record' },
    );
    return { client, sent };
  }
  const body = Buffer.from('the bytes of a part');
  const bodySha256 = createHash('sha256').update(body).digest('hex');
  const send = async (client: ReturnType<typeof createS3Client>) => {
    await client.send(new UploadPartCommand({ Bucket: 'b', Key: 'k.zip', UploadId: 'u', PartNumber: 1, Body: body, ContentLength: body.length }));
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k.zip.sha256', Body: 'x  k.zip\n' }));
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k.zip' }));
    client.destroy();
  };

  it('over HTTPS, uploads go as UNSIGNED-PAYLOAD (no second sha256 of every byte), the header itself signed', async () => {
    const { client, sent } = recording('https://s3.example.test');
    await send(client);
    expect(sent.map(({ command, headers }) => [command, headers['x-amz-content-sha256']])).toEqual([
      ['UploadPartCommand', 'UNSIGNED-PAYLOAD'],
      ['PutObjectCommand', 'UNSIGNED-PAYLOAD'],
      // Requests without a body are as the SDK signs them.
      ['HeadObjectCommand', createHash('sha256').update('').digest('hex')],
    ]);
    for (const { headers } of sent) expect(headers['authorization']).toMatch(/SignedHeaders=[^,]*x-amz-content-sha256/);
  });

  it('over plain HTTP, every body is signed with its sha256', async () => {
    const { client, sent } = recording('http://127.0.0.1:9');
    await send(client);
    expect(sent.map(({ command, headers }) => [command, headers['x-amz-content-sha256']])).toEqual([
      ['UploadPartCommand', bodySha256],
      ['PutObjectCommand', createHash('sha256').update('x  k.zip\n').digest('hex')],
      ['HeadObjectCommand', createHash('sha256').update('').digest('hex')],
    ]);
  });
});

describe('Expect: 100-continue', () => {
  // The headers as the HTTP handler gets them: recorded at the end of the stack, answered there.
  function recording(): { client: ReturnType<typeof createS3Client>; sent: Array<{ command: string; expect: string | undefined }> } {
    const client = createS3Client({ region: 'us-east-1', endpoint: 'https://s3.example.test', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
    const sent: Array<{ command: string; expect: string | undefined }> = [];
    client.middlewareStack.addRelativeTo(
      ((_next: unknown, context: { commandName?: string }) => async (args: { request: { headers: Record<string, string> } }) => {
        sent.push({ command: context.commandName ?? '', expect: args.request.headers['Expect'] ?? args.request.headers['expect'] });
        return { response: { statusCode: 200, headers: {} }, output: { $metadata: {}, ETag: '"e"' } };
      }) as never,
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'record' },
    );
    return { client, sent };
  }

  it('parts go without it (each would get a connection of its own), a PutObject of 2 MiB or more keeps it', async () => {
    const { client, sent } = recording();
    const part = Buffer.alloc(5 * 1024 * 1024);
    try {
      await client.send(new UploadPartCommand({ Bucket: 'b', Key: 'k.zip', UploadId: 'u', PartNumber: 1, Body: part, ContentLength: part.length }));
      await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k.zip', Body: part, ContentLength: part.length }));
    } finally {
      client.destroy();
    }
    expect(sent).toEqual([
      { command: 'UploadPartCommand', expect: undefined },
      // The first request the store sees for a small archive: refused on its headers, its body is not sent.
      { command: 'PutObjectCommand', expect: '100-continue' },
    ]);
  });
});
