import { hash } from 'node:crypto';

/** Size in bytes of a SHA-256 digest, the only hash this package uses. */
export const SHA256_SIZE = 32;

/** SHA-256 of `data`. `crypto.hash` (Node ≥ 20.12) skips the Hash object and is ~40 % faster for tiny inputs. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(hash('sha256', data, 'buffer'));
}

/** Lowercase hex SHA-256 of `data`, the project's hash notation (DESIGN.md section 3). */
export function sha256Hex(data: Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** Byte-wise equality. Not constant-time: everything compared here is public (hashes, key ids). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Standard (RFC 4648 section 4) base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_BASE64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/**
 * Strict standard base64 decode: returns undefined unless `text` is the one canonical
 * padded encoding of some bytes. Node's Buffer decoder silently skips junk characters and
 * ignores non-zero padding bits, which would give one signature or root many spellings.
 */
export function fromBase64Strict(text: string): Uint8Array | undefined {
  if (!STD_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes);
}

/**
 * Decodes standard or URL-safe base64, padded or not (the DSSE spec says verifiers MUST
 * accept either alphabet), rejecting anything else. Padding bits must still be zero.
 */
export function fromBase64Lenient(text: string): Uint8Array | undefined {
  const std = fromBase64Strict(text);
  if (std) return std;
  if (!URL_BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text.replace(/=+$/, '')) return undefined;
  return new Uint8Array(bytes);
}
