import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';
import { isUnsendable, isWellFormed, sortKeys } from './canonical-json.js';
import { JSON_ESCAPE_WASM_BASE64 } from './json-escape-wasm.js';

/**
 * The fast path of hashing a structured value: RFC 8785 canonical JSON written straight to
 * UTF-8 bytes in one reused buffer and hashed from there, instead of assembled as a string
 * that is flattened and encoded again inside the hash. Strings are encoded natively
 * (TextEncoder) and escaped by a small WebAssembly SIMD module (json-escape.wat), which
 * beats any JavaScript scan for the few characters a prompt needs escaped.
 *
 * It is an optimisation only, never the definition: the bytes are those of
 * `canonicalize` / `canonicalizeAsSent` (tests compare the two over generated values), and
 * whatever it does not handle — a value with no canonical form, a caller's getter or toJSON
 * that throws, a document over 64 MiB, a call made from inside a caller's toJSON or getter
 * while the buffer is in use, a runtime without WebAssembly SIMD — makes it return undefined,
 * and the caller takes the string path, which throws the precise error. Such a value's
 * getters then run twice; a value that hashes runs them once.
 */

/** Where the module's escape tables end and the document starts. */
const DOCUMENT_START = 64;
const PAGE_BYTES = 65_536;
/** The buffer kept between calls: a larger one (grown for a big document) is dropped after use. */
const KEPT_BYTES = 16 * PAGE_BYTES;
/** The largest buffer grown to; larger documents take the string path. */
const MAX_BYTES = 1024 * PAGE_BYTES;
/** Strings up to this length are written by a JavaScript loop when plain ASCII. */
const SHORT_STRING = 32;

/** Thrown to abandon the write: the caller takes the string path. */
const TAKE_STRING_PATH: unique symbol = Symbol('take the string path');

/** The module's exports (json-escape.wat). */
interface Escaper {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly escape: (src: number, length: number, dst: number) => number;
}

/** The part of the WebAssembly JS API used here; the ES library typings have none of it. */
interface WebAssemblyApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}

let compiled: object | undefined;
/** False once compiling failed (no WebAssembly, or no SIMD): the string path from then on. */
let available = true;
let escaper: Escaper | undefined;
/** `escaper.escape`, held directly: it is called for every string. */
let escapeInto: Escaper['escape'] = unavailable;
let bytes = new Uint8Array(0);
let pos = DOCUMENT_START;
let busy = false;
const encoder = new TextEncoder();
const ancestors: object[] = [];
const keyBytes = new Map<string, Uint8Array>();
const KEY_CACHE_LIMIT = 1024;
const MAX_CACHED_KEY_LENGTH = 64;

/**
 * SHA-256 (lowercase hex) and byte size of a value's canonical JSON — RFC 8785
 * (`canonicalize`), or as JSON.stringify sends it when `sent` (`canonicalizeAsSent`).
 * @returns undefined when the caller must take the string path (see the module comment).
 */
export function canonicalDigest(value: unknown, sent: boolean): { sha256: string; size: number } | undefined {
  if (busy || !ready()) return undefined;
  busy = true;
  try {
    pos = DOCUMENT_START;
    if (sent && isUnsendable(value)) return undefined;
    write(value, sent);
    return { sha256: hash('sha256', bytes.subarray(DOCUMENT_START, pos), 'hex'), size: pos - DOCUMENT_START };
  } catch {
    // TAKE_STRING_PATH, or a caller's getter or toJSON threw: the string path reads the value
    // again and reports exactly what is wrong with it.
    return undefined;
  } finally {
    ancestors.length = 0;
    busy = false;
    // A document that grew the buffer does not pin its memory: the next call starts small.
    if (bytes.length > KEPT_BYTES) release();
  }
}

/** Drops the instance and every reference to its memory (the exported function holds it too). */
function release(): void {
  escaper = undefined;
  escapeInto = unavailable;
  bytes = new Uint8Array(0);
}

function unavailable(): number {
  throw TAKE_STRING_PATH;
}

function ready(): boolean {
  if (escaper !== undefined) return true;
  if (!available) return false;
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  try {
    compiled ??= new (api as WebAssemblyApi).Module(Buffer.from(JSON_ESCAPE_WASM_BASE64, 'base64'));
  } catch {
    // No WebAssembly (--jitless) or no SIMD: hashing still works, by the string path.
    available = false;
    return false;
  }
  try {
    const exports = new (api as WebAssemblyApi).Instance(compiled, {}).exports as Escaper;
    exports.memory.grow(KEPT_BYTES / PAGE_BYTES - exports.memory.buffer.byteLength / PAGE_BYTES);
    escaper = exports;
    escapeInto = exports.escape;
    bytes = new Uint8Array(exports.memory.buffer);
    return true;
  } catch {
    // Out of memory for the buffer: this call takes the string path, a later one tries again.
    return false;
  }
}

/** Makes room for `count` more bytes, growing the memory up to MAX_BYTES. */
function reserve(count: number): void {
  const needed = pos + count;
  if (needed <= bytes.length) return;
  if (needed > MAX_BYTES) throw TAKE_STRING_PATH;
  const memory = (escaper as Escaper).memory;
  const target = Math.min(MAX_BYTES, Math.max(needed, bytes.length * 2));
  memory.grow(Math.ceil((target - bytes.length) / PAGE_BYTES));
  // Growing detaches the old view.
  bytes = new Uint8Array(memory.buffer);
}

function write(value: unknown, sent: boolean): void {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'boolean':
      writeAscii(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        if (!sent) throw TAKE_STRING_PATH;
        writeAscii('null');
        return;
      }
      // JSON.stringify writes numbers as RFC 8785 requires (-0 as 0); the text is ASCII.
      writeAscii(JSON.stringify(value));
      return;
    case 'object':
      if (value === null) writeAscii('null');
      else writeObject(value, sent);
      return;
    default:
      // BigInt, functions, symbols, undefined: no canonical form (the string path says why).
      throw TAKE_STRING_PATH;
  }
}

function writeObject(value: object, sent: boolean): void {
  if (ancestors.includes(value)) throw TAKE_STRING_PATH;
  ancestors.push(value);
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJson === 'function') write(toJson.call(value), sent);
  else if (Array.isArray(value)) writeArray(value, sent);
  else writeRecord(value as Record<string, unknown>, sent);
  ancestors.pop();
}

function writeArray(value: readonly unknown[], sent: boolean): void {
  reserve(1);
  bytes[pos++] = 0x5b; // [
  // Read once, as the string path does: an element's getter may change the length.
  const length = value.length;
  for (let i = 0; i < length; i++) {
    reserve(1);
    if (i > 0) bytes[pos++] = 0x2c; // ,
    const element = value[i];
    if (sent && isUnsendable(element)) writeAscii('null');
    else write(element, sent);
  }
  reserve(1);
  bytes[pos++] = 0x5d; // ]
}

function writeRecord(record: Record<string, unknown>, sent: boolean): void {
  const keys = Object.keys(record);
  if (keys.length > 1) sortKeys(keys);
  reserve(1);
  bytes[pos++] = 0x7b; // {
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const member = record[key];
    // JSON.stringify leaves such a property out of what it sends.
    if (sent && isUnsendable(member)) continue;
    if (!first) {
      reserve(1);
      bytes[pos++] = 0x2c; // ,
    }
    first = false;
    writeKey(key);
    write(member, sent);
  }
  reserve(1);
  bytes[pos++] = 0x7d; // }
}

/** `"key":`: requests repeat a handful of keys in every message, so short ones are kept as bytes. */
function writeKey(key: string): void {
  let prefix = keyBytes.get(key);
  if (prefix === undefined) {
    if (key.length > MAX_CACHED_KEY_LENGTH) {
      writeString(key);
      reserve(1);
      bytes[pos++] = 0x3a; // :
      return;
    }
    if (!isWellFormed(key)) throw TAKE_STRING_PATH;
    prefix = encoder.encode(`${JSON.stringify(key)}:`);
    if (keyBytes.size >= KEY_CACHE_LIMIT) keyBytes.clear();
    keyBytes.set(key, prefix);
  }
  reserve(prefix.length);
  for (let i = 0; i < prefix.length; i++) bytes[pos + i] = prefix[i] as number;
  pos += prefix.length;
}

/** ASCII text that needs no escaping (numbers, literals). */
function writeAscii(text: string): void {
  reserve(text.length);
  for (let i = 0; i < text.length; i++) bytes[pos++] = text.charCodeAt(i);
}

function writeString(value: string): void {
  const length = value.length;
  if (length <= SHORT_STRING && writeShortAscii(value)) return;
  // A lone surrogate has no UTF-8 form (RFC 8785 requires I-JSON); the string path says so.
  if (!isWellFormed(value)) throw TAKE_STRING_PATH;
  // UTF-8 takes at most 3 bytes per UTF-16 unit and escaping at most 6 bytes per byte it
  // escapes (all of them one-unit ASCII): the output fits in 6 per unit, and the encoded
  // bytes go right after that, where the escaped copy cannot reach them.
  const out = 6 * length + 2;
  reserve(out + 3 * length);
  const source = pos + out;
  const { read, written } = encoder.encodeInto(value, bytes.subarray(source, source + 3 * length));
  if (read !== length) throw TAKE_STRING_PATH;
  bytes[pos++] = 0x22; // "
  pos = escapeInto(source, written, pos);
  bytes[pos++] = 0x22;
}

/** Writes `"value"` when it is plain ASCII with nothing to escape; false (nothing written) otherwise. */
function writeShortAscii(value: string): boolean {
  reserve(value.length + 2);
  let at = pos + 1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return false;
    bytes[at++] = c;
  }
  bytes[pos] = 0x22;
  bytes[at++] = 0x22;
  pos = at;
  return true;
}
