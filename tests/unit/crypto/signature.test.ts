import { createPrivateKey, createPublicKey } from 'node:crypto';
import { checkSignature, parseSignature, signManifest, SIGNATURE_ENTRY, signingKeyId, SigningKey, type VerifyKey } from '../../../lib/crypto/signing/index.js';
import { ed25519Pems } from './support.js';

function keyPair() {
  const { privatePem, publicPem } = ed25519Pems();
  const signing = new SigningKey(createPrivateKey(privatePem), '/keys/signing.key');
  const key = createPublicKey(publicPem);
  const verify: VerifyKey = { keyId: signingKeyId(key), key, file: '/keys/signing.pub' };
  return { signing, verify, privatePem };
}

const manifest = Buffer.from('{\n  "formatVersion": 1\n}\n');

function edited(signature: Buffer, edit: (file: Record<string, unknown>) => void): Buffer {
  const file = JSON.parse(signature.toString('utf8')) as Record<string, unknown>;
  edit(file);
  return Buffer.from(JSON.stringify(file));
}

describe('manifest signatures', () => {
  const mine = keyPair();
  const other = keyPair();
  const signature = signManifest(manifest, mine.signing);

  it('writes a small JSON entry: format, algorithm, key id, what it signs, the base64 signature', () => {
    expect(SIGNATURE_ENTRY).toBe('manifest.json.sig');
    const file = JSON.parse(signature.toString('utf8'));
    expect(file).toEqual({ format: 1, algorithm: 'ed25519', keyId: mine.signing.keyId, signed: 'manifest.json', signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/) });
    expect(signature.toString('utf8')).not.toContain(mine.privatePem.split('\n')[1]!);
  });

  it('verifies with the right key, and with the right key among others (rotation)', () => {
    expect(checkSignature(manifest, signature, [mine.verify])).toEqual({ status: 'verified', keyId: mine.signing.keyId });
    expect(checkSignature(manifest, signature, [other.verify, mine.verify])).toEqual({ status: 'verified', keyId: mine.signing.keyId });
  });

  it('checks nothing without keys, and says whether the archive claims a signature', () => {
    expect(checkSignature(manifest, signature, [])).toEqual({ status: 'not checked', signed: true, keyId: mine.signing.keyId });
    expect(checkSignature(manifest, null, [])).toEqual({ status: 'not checked', signed: false, keyId: null });
    expect(checkSignature(manifest, Buffer.from('junk'), [])).toEqual({ status: 'not checked', signed: true, keyId: null });
  });

  it('refuses an unsigned archive when a key is given', () => {
    expect(checkSignature(manifest, null, [mine.verify])).toMatchObject({ status: 'refused', reason: 'not signed', why: 'it is not signed (no manifest.json.sig)' });
  });

  it('refuses a signature made by another key, naming both key ids', () => {
    const check = checkSignature(manifest, signature, [other.verify]);
    expect(check).toMatchObject({ status: 'refused', reason: 'other key', keyId: mine.signing.keyId });
    expect(check.status === 'refused' && check.why).toBe(`it is signed by key ${mine.signing.keyId}, not by the key given (${other.verify.keyId})`);
  });

  it('refuses a manifest changed by one byte after signing', () => {
    const altered = Buffer.from(manifest);
    altered[altered.length - 3] = altered[altered.length - 3]! ^ 1;
    expect(checkSignature(altered, signature, [mine.verify])).toMatchObject({ status: 'refused', reason: 'mismatch' });
  });

  it('refuses a signature that claims the right key but was made by another one', () => {
    const forged = edited(signManifest(manifest, other.signing), (file) => { file.keyId = mine.signing.keyId; });
    expect(checkSignature(manifest, forged, [mine.verify])).toMatchObject({ status: 'refused', reason: 'mismatch', keyId: mine.signing.keyId });
  });

  it('accepts a signature whose claimed key id is wrong when a given key verifies it (the claim is not trusted either way)', () => {
    const misnamed = edited(signature, (file) => { file.keyId = other.signing.keyId; });
    expect(checkSignature(manifest, misnamed, [mine.verify])).toEqual({ status: 'verified', keyId: mine.signing.keyId });
  });

  const malformed: Array<[string, (signature: Buffer) => Buffer, RegExp]> = [
    ['not JSON', () => Buffer.from('{"format":1,'), /not JSON/],
    ['a JSON array', () => Buffer.from('[1]'), /not a JSON object/],
    ['a wrong algorithm', (s) => edited(s, (f) => { f.algorithm = 'rsa-pss'; }), /algorithm "rsa-pss", this pgbak checks ed25519 only/],
    ['an unknown format', (s) => edited(s, (f) => { f.format = 2; }), /format 2, this pgbak reads format 1/],
    ['truncated base64', (s) => edited(s, (f) => { f.signature = String(f.signature).slice(0, 60); }), /signature is not 64 bytes in base64/],
    ['base64 of the wrong length', (s) => edited(s, (f) => { f.signature = Buffer.alloc(63).toString('base64'); }), /not 64 bytes/],
    ['a missing signature field', (s) => edited(s, (f) => { delete f.signature; }), /not 64 bytes/],
    ['a bad key id', (s) => edited(s, (f) => { f.keyId = 'md5:abc'; }), /keyId is not sha256/],
    ['another entry signed', (s) => edited(s, (f) => { f.signed = 'pgbak.log'; }), /it signs "pgbak.log", not manifest.json/],
    ['an oversized entry', () => Buffer.alloc(8192, 32), /8192 bytes, more than a signature needs/],
  ];

  it.each(malformed)('refuses a signature entry with %s as malformed', (_what, make, problem) => {
    const check = checkSignature(manifest, make(signature), [mine.verify]);
    expect(check).toMatchObject({ status: 'refused', reason: 'malformed' });
    expect(check.status === 'refused' && check.why).toMatch(/^its manifest.json.sig is malformed: /);
    expect(check.status === 'refused' && check.why).toMatch(problem);
  });

  it('parses what it writes', () => {
    expect(parseSignature(signature)).toMatchObject({ algorithm: 'ed25519', keyId: mine.signing.keyId });
  });
});
