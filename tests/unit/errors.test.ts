import { isPgbakError, PgbakError, toPgbakError } from '../../lib/errors.js';
import { SqlScriptError } from '../../lib/sql/script/script-error.js';

describe('PgbakError', () => {
  it('recognises an error made by another copy of the class (the CLI bundle and the lazily loaded S3 module each have one)', () => {
    // What a second copy of lib/errors.js makes: its own class, the same shared brand.
    class OtherCopy extends Error {
      readonly code = 'OUTPUT_NOT_WRITABLE';
      readonly hint = 'set a larger partSize';
      constructor(message: string) {
        super(message);
        Object.defineProperty(this, Symbol.for('pgbak.PgbakError'), { value: true });
      }
    }
    const error = new OtherCopy('s3://b/k.zip outgrew its upload');
    expect(error instanceof PgbakError).toBe(true);
    expect(isPgbakError(error)).toBe(true);
    expect(toPgbakError(error)).toBe(error);
  });

  it('is not fooled by a plain Error, and subclasses keep their own instanceof', () => {
    expect(new Error('x') instanceof PgbakError).toBe(false);
    expect(toPgbakError(new Error('x')).code).toBe('INTERNAL');
    const script = new SqlScriptError(3, 'a meta-command');
    expect(script instanceof PgbakError).toBe(true);
    expect(script instanceof SqlScriptError).toBe(true);
    expect(new PgbakError('INTERNAL', 'x') instanceof SqlScriptError).toBe(false);
  });
});
