import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { canonicalDigest } from './canonical-bytes.js';
import { canonicalize, canonicalizeAsSent, isWellFormed } from './canonical-json.js';

/** A content digest: lowercase hex SHA-256 and the number of bytes hashed. */
export interface ContentDigest {
  /** Lowercase hex SHA-256. */
  readonly sha256: string;
  /** Bytes hashed (UTF-8 bytes for text, canonical JSON bytes for structured values). */
  readonly size: number;
}

/**
 * Lowercase hex SHA-256 of a string's UTF-8 bytes.
 * @throws {TypeError} when the string has a lone surrogate: it has no UTF-8 form, and hashing
 * the U+FFFD an encoder puts in its place would give different texts one hash.
 */
export function sha256Text(text: string): string {
  if (!isWellFormed(text))
    throw new TypeError('text contains a lone surrogate and has no UTF-8 form; not hashed');
  // One-shot crypto.hash (Node >= 20.12) skips the Hash object: about twice as fast for small inputs.
  return hash('sha256', text, 'hex');
}

/** Lowercase hex SHA-256 of raw bytes. */
export function sha256Bytes(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

/**
 * Lowercase hex SHA-256 of a structured value's RFC 8785 canonical JSON.
 * @throws {CanonicalJsonError} when the value has no JSON form.
 */
export function sha256Json(value: unknown): string {
  return canonicalDigest(value, false)?.sha256 ?? sha256Text(canonicalize(value));
}

/**
 * Lowercase hex SHA-256 of a request value's canonical JSON as `JSON.stringify` sends it
 * (see `canonicalizeAsSent`): what a model client puts on the wire, so
 * `{ role: 'user', content: 'hi', name: undefined }` hashes as `{"content":"hi","role":"user"}`.
 * @throws {CanonicalJsonError} when the value has no JSON form even so (cycles, BigInt, lone surrogates).
 */
export function sha256JsonAsSent(value: unknown): string {
  return canonicalDigest(value, true)?.sha256 ?? sha256Text(canonicalizeAsSent(value));
}

/**
 * The `sha256` of {@link digestContent}, without measuring the content: for callers that
 * need only the hash.
 * @throws {CanonicalJsonError} when structured content has no JSON form.
 */
export function sha256Content(content: unknown): string {
  if (typeof content === 'string') return sha256Text(content);
  return content instanceof Uint8Array ? sha256Bytes(content) : sha256Json(content);
}

/**
 * Digest of any content the SDK hashes: text as UTF-8, bytes as-is, anything else as
 * canonical JSON.
 * @throws {CanonicalJsonError} when structured content has no JSON form, and a TypeError
 * for text with a lone surrogate (see {@link sha256Text}).
 */
export function digestContent(content: unknown): ContentDigest {
  if (typeof content === 'string') {
    return { sha256: sha256Text(content), size: Buffer.byteLength(content, 'utf8') };
  }
  if (content instanceof Uint8Array) return { sha256: sha256Bytes(content), size: content.byteLength };
  const digest = canonicalDigest(content, false);
  if (digest !== undefined) return digest;
  const json = canonicalize(content);
  return { sha256: sha256Text(json), size: Buffer.byteLength(json, 'utf8') };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Whether a value is a lowercase hex SHA-256, the only form the wire contract accepts. */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}
