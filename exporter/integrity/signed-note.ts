/**
 * C2SP signed notes (c2sp.org/signed-note): text ending in a newline, a blank line, then one
 * or more lines `— <key name> <base64(4-byte key id ‖ Ed25519 signature)>` (U+2014 em dash).
 * Verification follows the spec and Go's note.Open: signatures from unknown keys are ignored,
 * a known key whose signature fails rejects the whole note, and a note without any verified
 * signature is rejected.
 */
import { sign, verify } from 'node:crypto';
import { concatBytes, fromBase64Strict, toBase64, utf8 } from './bytes.js';
import { isValidKeyName, keyIdHex, type NoteSignerKey, type NoteVerifierKey } from './note-key.js';

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** base64 of key id ‖ signature, exactly as on the line. */
  readonly base64: string;
}

/** A verified note: its text and which signatures were checked or skipped. */
export interface OpenedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  /** Signatures by known keys, all verified. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys the caller did not supply (ignored, as the spec requires). */
  readonly unverified: readonly NoteSignature[];
}

/** Stable reasons a note is rejected. */
export type SignedNoteErrorCode = 'malformed-note' | 'unknown-key' | 'invalid-signature' | 'ambiguous-key';

/** Raised when a note cannot be signed or opened; the message names the key involved. */
export class SignedNoteError extends Error {
  constructor(
    readonly code: SignedNoteErrorCode,
    message: string,
    /** The signatures concerned (for `unknown-key`: every signature found in the note). */
    readonly signatures: readonly NoteSignature[] = [],
  ) {
    super(message);
    this.name = 'SignedNoteError';
  }
}

const EM_DASH_PREFIX = '\u2014 ';
/** The spec asks verifiers to cap signatures but accept at least 16; Go caps at 100. */
const MAX_SIGNATURES = 100;

function hasForbiddenCharacters(text: string): boolean {
  // ASCII control characters other than newline are banned; lone surrogates cannot be UTF-8.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return /\p{Cs}/u.test(text);
}

/**
 * Signs `text` (which must end in a newline) with every signer, in order. The signed bytes are
 * the UTF-8 text including its final newline but not the separating blank line.
 */
export function signNote(text: string, signers: readonly NoteSignerKey[]): string {
  if (!text.endsWith('\n')) throw new SignedNoteError('malformed-note', 'note text must end with a newline');
  if (hasForbiddenCharacters(text)) {
    throw new SignedNoteError('malformed-note', 'note text contains control characters or invalid UTF-16');
  }
  if (signers.length === 0) throw new SignedNoteError('malformed-note', 'a note needs at least one signer');
  const message = utf8(text);
  const lines = signers.map((s) => {
    if (!isValidKeyName(s.name)) throw new SignedNoteError('malformed-note', `invalid key name ${s.name}`);
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, s.keyId);
    const signature = new Uint8Array(sign(null, message, s.privateKey));
    return `${EM_DASH_PREFIX}${s.name} ${toBase64(concatBytes(id, signature))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/** Splits a note into text and signature lines without checking any signature. */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  let decoded: string;
  if (typeof note === 'string') decoded = note;
  else {
    try {
      decoded = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw new SignedNoteError('malformed-note', 'note is not valid UTF-8');
    }
  }
  if (hasForbiddenCharacters(decoded)) {
    throw new SignedNoteError('malformed-note', 'note contains control characters or invalid UTF-8');
  }
  // The text may contain blank lines; the signature block starts after the last one.
  const split = decoded.lastIndexOf('\n\n');
  if (split < 0) throw new SignedNoteError('malformed-note', 'note has no blank line before its signatures');
  const text = decoded.slice(0, split + 1);
  const block = decoded.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) {
    throw new SignedNoteError('malformed-note', 'note signature block is empty or lacks its final newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES)
    throw new SignedNoteError('malformed-note', 'note has too many signatures');
  const signatures = lines.map((line): NoteSignature => {
    if (!line.startsWith(EM_DASH_PREFIX)) {
      throw new SignedNoteError(
        'malformed-note',
        'signature line does not start with an em dash and a space',
      );
    }
    const rest = line.slice(EM_DASH_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const base64 = space < 0 ? '' : rest.slice(space + 1);
    const raw = fromBase64Strict(base64);
    if (!isValidKeyName(name) || !raw || raw.length < 5) {
      throw new SignedNoteError('malformed-note', `malformed signature line for ${JSON.stringify(name)}`);
    }
    const keyId = new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0);
    return { name, keyId, base64 };
  });
  return { text, signatures };
}

/**
 * Opens a signed note with the trusted `verifiers`. Returns the text and which signatures
 * verified. Throws {@link SignedNoteError}: `malformed-note`; `invalid-signature` when a
 * trusted key's signature does not verify; `unknown-key` when no signature comes from a
 * trusted key (a signature whose name or id differs from every trusted key is unknown — a
 * right id under a wrong name included); `ambiguous-key` when two trusted keys share name
 * and id.
 */
export function verifyNote(note: string | Uint8Array, verifiers: readonly NoteVerifierKey[]): OpenedNote {
  const known = new Map<string, NoteVerifierKey>();
  for (const v of verifiers) {
    const key = `${v.name}+${keyIdHex(v.keyId)}`;
    if (known.has(key)) throw new SignedNoteError('ambiguous-key', `two trusted keys are both ${key}`);
    known.set(key, v);
  }
  const { text, signatures } = parseNote(note);
  const message = utf8(text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const s of signatures) {
    const key = `${s.name}+${keyIdHex(s.keyId)}`;
    const verifier = known.get(key);
    if (!verifier) {
      if (!unverified.some((u) => u.base64 === s.base64 && u.name === s.name)) unverified.push(s);
      continue;
    }
    if (seen.has(key)) continue; // a repeated signature by one key adds nothing
    seen.add(key);
    const raw = fromBase64Strict(s.base64) as Uint8Array;
    if (!verify(null, message, verifier.publicKey, raw.subarray(4))) {
      throw new SignedNoteError('invalid-signature', `signature by ${key} does not verify`, [s]);
    }
    verified.push(s);
  }
  if (verified.length === 0) {
    const names = signatures.map((s) => `${s.name}+${keyIdHex(s.keyId)}`).join(', ');
    throw new SignedNoteError('unknown-key', `note is signed only by unknown keys: ${names}`, signatures);
  }
  return { text, verified, unverified };
}
