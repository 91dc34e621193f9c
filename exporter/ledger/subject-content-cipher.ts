import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';

/** Prefix of captured content encrypted with a subject's key (versioned, names the algorithm). */
export const SUBJECT_CONTENT_PREFIX = 'enc:aes-256-gcm:v1:';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts captured content with a subject's AES-256-GCM key. The IV is derived from the
 * key, the node id and the plaintext (HMAC-SHA256, truncated): a re-delivered span must
 * yield byte-identical records (the store upsert and the archived bundle rely on
 * determinism), and distinct (node, content) pairs never share an IV under one key. The
 * only thing this reveals is that two ciphertexts of the same node are equal.
 */
export function encryptSubjectContent(key: Uint8Array, nodeId: string, plaintext: string): string {
  const iv = createHmac('sha256', key)
    .update(`iv\n${nodeId}\n`, 'utf8')
    .update(plaintext, 'utf8')
    .digest()
    .subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(nodeId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SUBJECT_CONTENT_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** True when a prop value is subject-encrypted content. */
export function isSubjectContent(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SUBJECT_CONTENT_PREFIX);
}

/**
 * Decrypts content written by {@link encryptSubjectContent}; `undefined` when the value is
 * not ours or does not authenticate (wrong key, wrong node, altered bytes).
 */
export function decryptSubjectContent(key: Uint8Array, nodeId: string, value: string): string | undefined {
  if (!isSubjectContent(value)) return undefined;
  const raw = Buffer.from(value.slice(SUBJECT_CONTENT_PREFIX.length), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(nodeId, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    // Authentication failed: the caller treats it like an erased key (content unreadable).
    return undefined;
  }
}
