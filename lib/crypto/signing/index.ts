export { KEY_ID_PATTERN, signingKeyId } from './key-id.js';
export { readSigningKey, SigningKey } from '../../config/signing-key.js';
export { readVerifyKeys, type VerifyKey } from './verify-keys.js';
export {
  checkSignature,
  parseSignature,
  signManifest,
  SIGNATURE_ALGORITHM,
  SIGNATURE_ENTRY,
  type SignatureCheck,
  type SignatureFile,
  type SignatureRefusal,
} from './signature.js';
