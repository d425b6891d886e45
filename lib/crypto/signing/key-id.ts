export { signingKeyId } from '../../config/signing-key.js';

/** What a key id looks like (for checking one read from an archive). */
export const KEY_ID_PATTERN = /^sha256:[0-9a-f]{64}$/;
