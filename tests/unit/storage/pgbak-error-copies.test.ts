// The CLI is one bundle; the S3 module it loads lazily is tsc's output with its own copy
// of lib/errors.ts. An error thrown by the S3 sink (its code, hint and exit code) must
// still be a PgbakError to the bundle: otherwise `pgbak run` reported "pg_dump exited
// with code 1" instead of "cannot upload to s3://…: SlowDown (HTTP 503)", or the store's
// error without its hint.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { isPgbakError, PgbakError, toPgbakError } from '../../../lib/errors.js';
import { SqlScriptError } from '../../../lib/sql/script/script-error.js';
import { isOutputFailure } from '../../../lib/storage/output-error.js';

/** A second, separately loaded copy of lib/errors.ts, as the lazily loaded S3 module has. */
async function withSecondCopy(use: (copy: typeof import('../../../lib/errors.js')) => void | Promise<void>): Promise<void> {
  const source = await readFile(new URL('../../../lib/errors.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const dir = await mkdtemp(join(tmpdir(), 'pgbak-errors-copy-'));
  try {
    await writeFile(join(dir, 'errors.mjs'), outputText);
    await use((await import(pathToFileURL(join(dir, 'errors.mjs')).href)) as typeof import('../../../lib/errors.js'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('PgbakError across copies of lib/errors.ts', () => {
  it('a PgbakError from another copy of the module is a PgbakError here, with its code, hint and exit code kept', async () => {
    await withSecondCopy((copy) => {
      expect(copy.PgbakError).not.toBe(PgbakError);
      const foreign = new copy.PgbakError('OUTPUT_NOT_WRITABLE', 'cannot upload to s3://b/k.zip: SlowDown (HTTP 503)', { hint: 'try again later' });
      expect(foreign instanceof PgbakError).toBe(true);
      expect(isPgbakError(foreign)).toBe(true);
      expect(isOutputFailure(foreign)).toBe(true);
      expect(toPgbakError(foreign)).toBe(foreign);
      expect(toPgbakError(foreign)).toMatchObject({ code: 'OUTPUT_NOT_WRITABLE', hint: 'try again later', exitCode: 1 });
      expect(new PgbakError('INTERNAL', 'x') instanceof copy.PgbakError).toBe(true);
    });
  });

  it('other errors are not PgbakErrors, and a subclass keeps the ordinary check', () => {
    expect(new Error('x') instanceof PgbakError).toBe(false);
    expect({ code: 'INTERNAL', message: 'x' } instanceof PgbakError).toBe(false);
    expect((null as unknown as object) instanceof PgbakError).toBe(false);
    expect(new SqlScriptError(3, 'bad') instanceof PgbakError).toBe(true);
    expect(new PgbakError('INTERNAL', 'x') instanceof SqlScriptError).toBe(false);
    expect(new SqlScriptError(3, 'bad') instanceof SqlScriptError).toBe(true);
  });
});
