import { Buffer } from 'node:buffer';

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Lowercase hex of raw bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Outcome of reading one id: hex, absent (empty / all-zero / missing), or why it is unusable. */
export type IdResult =
  | { readonly ok: true; readonly hex: string }
  | { readonly ok: false; readonly absent: boolean; readonly message: string };

/**
 * Reads a trace id (16 bytes) or span id (8 bytes) as any OTLP decoder delivers it:
 * `Uint8Array`/`Buffer` from protobuf, hex from OTLP/JSON, and base64 from generic
 * proto3-JSON encoders (which is what the spec's hex rule replaced). Returns lowercase hex.
 * Empty, missing and all-zero ids are reported `absent` (invalid for a span's own id,
 * "no parent" for a parent id).
 */
export function readId(value: unknown, byteLength: 8 | 16): IdResult {
  if (value === undefined || value === null) return { ok: false, absent: true, message: 'missing' };
  let hex: string | undefined;
  if (value instanceof Uint8Array) {
    if (value.byteLength === 0) return { ok: false, absent: true, message: 'empty' };
    if (value.byteLength !== byteLength) {
      return { ok: false, absent: false, message: `expected ${byteLength} bytes, got ${value.byteLength}` };
    }
    hex = bytesToHex(value);
  } else if (typeof value === 'string') {
    if (value.length === 0) return { ok: false, absent: true, message: 'empty' };
    if (value.length === byteLength * 2 && HEX.test(value)) {
      hex = value.toLowerCase();
    } else if (BASE64.test(value)) {
      const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
      if (bytes.byteLength === byteLength) hex = bytes.toString('hex');
    }
    if (hex === undefined) {
      return {
        ok: false,
        absent: false,
        message: `expected ${byteLength * 2} hex characters (or base64 of ${byteLength} bytes), got ${JSON.stringify(value.slice(0, 64))}`,
      };
    }
  } else {
    return { ok: false, absent: false, message: `unsupported id type ${typeof value}` };
  }
  if (/^0+$/.test(hex)) return { ok: false, absent: true, message: 'all zero' };
  return { ok: true, hex };
}
