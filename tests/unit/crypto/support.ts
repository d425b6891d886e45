import { generateKeyPairSync } from 'node:crypto';

/** An Ed25519 key pair exported as `pgbak keygen` writes it: signing.key (PKCS#8 PEM), signing.pub (SPKI PEM). */
export function ed25519Pems(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}
