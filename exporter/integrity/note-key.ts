/**
 * Ed25519 keys for C2SP signed notes (c2sp.org/signed-note), in the text formats of Go's
 * golang.org/x/mod/sumdb/note package so keys interoperate with Go tooling:
 *
 * - verifier key: `<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte public key)>`
 * - signer key:   `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte seed)>`
 *
 * key id = first 4 bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { concatBytes, fromBase64Strict, sha256, toBase64, utf8 } from './bytes.js';

/** Signature type byte of Ed25519 in the signed-note registry. */
export const ED25519_SIGNATURE_TYPE = 0x01;

/** A public key that can verify note signatures. */
export interface NoteVerifierKey {
  readonly name: string;
  /** uint32 key id as carried in the first four bytes of each signature. */
  readonly keyId: number;
  readonly publicKey: KeyObject;
}

/** A private key that can sign notes; carries its public half for key id and self-checks. */
export interface NoteSignerKey extends NoteVerifierKey {
  readonly privateKey: KeyObject;
}

/** Raised for malformed, mismatched or unsupported key material. */
export class NoteKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteKeyError';
  }
}

// DER prefixes that wrap a raw 32-byte Ed25519 key into SPKI / PKCS#8 (RFC 8410), so raw key
// bytes can become KeyObjects without a JWK round trip.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Key names must be non-empty and contain no Unicode space and no `+` (signed-note spec).
 * Control characters are refused too: a note may not contain them anywhere.
 */
export function isValidKeyName(name: string): boolean {
  // \p{Cs} catches lone surrogates, which have no UTF-8 encoding.
  return name.length > 0 && !/[\s\u0085+\p{Cc}\p{Cs}]/u.test(name);
}

function assertName(name: string): void {
  if (!isValidKeyName(name)) throw new NoteKeyError(`invalid key name ${JSON.stringify(name)}`);
}

/** Raw 32-byte Ed25519 public key of a KeyObject. */
export function rawPublicKey(publicKey: KeyObject): Uint8Array {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new NoteKeyError('key is not an Ed25519 key');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** KeyObject for a raw 32-byte Ed25519 public key. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteKeyError(`Ed25519 public key is ${raw.length} bytes, want 32`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The signed-note key id: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] as a big-endian uint32. */
export function noteKeyId(name: string, publicKey: KeyObject): number {
  const digest = sha256(
    concatBytes(utf8(name), Uint8Array.of(0x0a, ED25519_SIGNATURE_TYPE), rawPublicKey(publicKey)),
  );
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

/** Eight lowercase hex digits of a key id, as in key strings and error messages. */
export function keyIdHex(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/** Wraps an existing Ed25519 private KeyObject as a named note signer. */
export function noteSignerFromPrivateKey(name: string, privateKey: KeyObject): NoteSignerKey {
  assertName(name);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new NoteKeyError('signer key must be an Ed25519 private key');
  }
  const publicKey = createPublicKey(privateKey);
  return { name, keyId: noteKeyId(name, publicKey), publicKey, privateKey };
}

/** Wraps an existing Ed25519 public KeyObject as a named note verifier. */
export function noteVerifierFromPublicKey(name: string, publicKey: KeyObject): NoteVerifierKey {
  assertName(name);
  if (publicKey.type !== 'public') throw new NoteKeyError('verifier key must be a public key');
  return { name, keyId: noteKeyId(name, publicKey), publicKey };
}

/** Generates a fresh Ed25519 signer for `name` (a schema-less URL such as `example.com/log`). */
export function generateNoteSigner(name: string): NoteSignerKey {
  assertName(name);
  const { privateKey } = generateKeyPairSync('ed25519');
  return noteSignerFromPrivateKey(name, privateKey);
}

/** The public half of a signer. */
export function verifierOf(signer: NoteSignerKey): NoteVerifierKey {
  return { name: signer.name, keyId: signer.keyId, publicKey: signer.publicKey };
}

/** Encodes `<name>+<hex id>+<base64(0x01 ‖ pubkey)>`, the string the CLI prints and the API serves. */
export function encodeVerifierKey(key: NoteVerifierKey): string {
  const body = concatBytes(Uint8Array.of(ED25519_SIGNATURE_TYPE), rawPublicKey(key.publicKey));
  return `${key.name}+${keyIdHex(noteKeyId(key.name, key.publicKey))}+${toBase64(body)}`;
}

/** Parses a verifier key string, checking the algorithm byte, key length and key id. */
export function decodeVerifierKey(text: string): NoteVerifierKey {
  const parts = chop(text, 2);
  if (!parts) throw new NoteKeyError('verifier key must have the form name+keyid+key');
  const [name, hex, b64] = parts as [string, string, string];
  const id = parseKeyId(hex);
  const raw = decodeTypedKey(b64);
  assertName(name);
  const publicKey = publicKeyFromRaw(raw);
  if (noteKeyId(name, publicKey) !== id) throw new NoteKeyError(`key id ${hex} does not match name and key`);
  return { name, keyId: id, publicKey };
}

/** Encodes `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`: secret, store with mode 0600. */
export function encodeSignerKey(key: NoteSignerKey): string {
  const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(der.subarray(der.length - 32));
  const body = concatBytes(Uint8Array.of(ED25519_SIGNATURE_TYPE), seed);
  return `PRIVATE+KEY+${key.name}+${keyIdHex(key.keyId)}+${toBase64(body)}`;
}

/** Parses a signer key string; the key id is re-derived from the public key and must match. */
export function decodeSignerKey(text: string): NoteSignerKey {
  const parts = chop(text, 4);
  if (parts?.[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw new NoteKeyError('signer key must have the form PRIVATE+KEY+name+keyid+key');
  }
  const [, , name, hex, b64] = parts as [string, string, string, string, string];
  const id = parseKeyId(hex);
  const seed = decodeTypedKey(b64);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const signer = noteSignerFromPrivateKey(name, privateKey);
  if (signer.keyId !== id) throw new NoteKeyError(`key id ${hex} does not match name and key`);
  return signer;
}

/**
 * Splits at the first `count` plus signs, like Go's repeated `chop`: the trailing base64 key
 * may itself contain `+`.
 */
function chop(text: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

function parseKeyId(hex: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new NoteKeyError('key id must be 8 hex digits');
  return Number.parseInt(hex, 16);
}

function decodeTypedKey(b64: string): Uint8Array {
  const bytes = fromBase64Strict(b64);
  if (!bytes || bytes.length === 0) throw new NoteKeyError('key is not valid base64');
  if (bytes[0] !== ED25519_SIGNATURE_TYPE)
    throw new NoteKeyError(`unsupported key type 0x${bytes[0]?.toString(16)}`);
  if (bytes.length !== 33) throw new NoteKeyError(`Ed25519 key is ${bytes.length - 1} bytes, want 32`);
  return bytes.subarray(1);
}
