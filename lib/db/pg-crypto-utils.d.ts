// The driver's crypto helpers (pg/lib/crypto/utils.js, untyped): what scram-crypto.ts replaces.
declare module 'pg/lib/crypto/utils.js' {
  type Bytes = ArrayBuffer | Uint8Array;
  const utils: {
    deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<Bytes>;
    hmacSha256(key: Bytes, message: string): Promise<Bytes>;
    sha256(data: Bytes): Promise<Bytes>;
  };
  export default utils;
}
