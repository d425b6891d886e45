import pgCrypto from 'pg/lib/crypto/utils.js';
import { useFastScram } from '../../../lib/db/scram-crypto.js';

// The driver's own WebCrypto helpers, taken before useFastScram replaces them.
const webcrypto = { deriveKey: pgCrypto.deriveKey, hmacSha256: pgCrypto.hmacSha256, sha256: pgCrypto.sha256 };

const hex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');

describe('useFastScram', () => {
  beforeAll(() => useFastScram());

  it('computes the bytes of a SCRAM-SHA-256 login exactly as the driver\'s WebCrypto helpers do', async () => {
    const salt = Buffer.from('c2FsdHNhbHRzYWx0c2FsdA==', 'base64');
    for (const password of ['pencil', 'pässwörd with spaces', '']) {
      const salted = await pgCrypto.deriveKey(password, salt, 4096);
      expect(hex(salted)).toBe(hex(await webcrypto.deriveKey(password, salt, 4096)));
      const clientKey = await pgCrypto.hmacSha256(salted, 'Client Key');
      expect(hex(clientKey)).toBe(hex(await webcrypto.hmacSha256(salted, 'Client Key')));
      expect(hex(await pgCrypto.sha256(clientKey))).toBe(hex(await webcrypto.sha256(clientKey)));
      const message = 'n=,r=nonce,r=noncé-server,s=c2FsdA==,i=4096,c=biws,r=noncé-server';
      expect(hex(await pgCrypto.hmacSha256(await pgCrypto.sha256(clientKey), message))).toBe(hex(await webcrypto.hmacSha256(await webcrypto.sha256(clientKey), message)));
    }
  });

  it('derives the salted password once for the same password, salt and iterations, and again for any other', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const first = await pgCrypto.deriveKey('secret', salt, 4096);
    expect(await pgCrypto.deriveKey('secret', salt, 4096)).toBe(first);
    expect(hex(await pgCrypto.deriveKey('Secret', salt, 4096))).not.toBe(hex(first));
    expect(hex(await pgCrypto.deriveKey('secret', Buffer.from('fedcba9876543210'), 4096))).not.toBe(hex(first));
    expect(hex(await pgCrypto.deriveKey('secret', salt, 4097))).toBe(hex(await webcrypto.deriveKey('secret', salt, 4097)));
  });

  it('is idempotent', () => {
    const { hmacSha256 } = pgCrypto;
    useFastScram();
    expect(pgCrypto.hmacSha256).toBe(hmacSha256);
  });
});
