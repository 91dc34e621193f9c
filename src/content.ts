import { Buffer } from 'node:buffer';
import { canonicalize } from './hashing/canonical-json.js';
import { sha256Bytes, sha256Text } from './hashing/sha256.js';

/** Content prepared for recording: its digest and, when small enough, its text. */
export interface PreparedContent {
  readonly sha256: string;
  readonly size: number;
  /** The content as text (UTF-8 strings as-is, structured values as canonical JSON); absent for bytes and for content above the size limit. */
  readonly text: string | undefined;
}

/**
 * Hashes content and keeps its text only when it is at most `maxBytes` — larger content
 * is hashed but never copied or retained.
 * @throws {CanonicalJsonError} for structured content with no JSON form.
 */
export function prepareContent(content: unknown, maxBytes: number): PreparedContent {
  if (content instanceof Uint8Array) {
    return { sha256: sha256Bytes(content), size: content.byteLength, text: undefined };
  }
  const text = typeof content === 'string' ? content : canonicalize(content);
  const size = Buffer.byteLength(text, 'utf8');
  return { sha256: sha256Text(text), size, text: size <= maxBytes ? text : undefined };
}

/** Truncates text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 code unit never needs more than 3 UTF-8 bytes, so short strings skip the encoding.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= maxBytes) return text;
  let end = maxBytes;
  // Back off over UTF-8 continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
