/**
 * C2SP tlog-checkpoint note bodies (c2sp.org/tlog-checkpoint):
 *
 *     <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]*
 *
 * and their signing as C2SP signed notes. Parsing is strict so one checkpoint has exactly one
 * spelling: a signed checkpoint whose bytes could be rewritten without breaking the signature
 * would be useless as evidence.
 */
import { fromBase64Strict, SHA256_SIZE, toBase64 } from './bytes.js';
import type { NoteSignerKey, NoteVerifierKey } from './note-key.js';
import { type OpenedNote, signNote, verifyNote } from './signed-note.js';

/** A log's tree head at one size. */
export interface Checkpoint {
  /** Log identity, e.g. `lineage.example.com/log`; should equal the signing key's name. */
  readonly origin: string;
  readonly size: number;
  /** RFC 9162 root hash of the first `size` leaves (32 bytes). */
  readonly rootHash: Uint8Array;
  /** Opaque extra lines; the spec discourages them (monitors cannot audit them). */
  readonly extensions?: readonly string[];
}

/** Raised for a checkpoint body that does not follow the format exactly. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

function validLine(line: string): boolean {
  // Lines are non-empty and hold no newline or other control character (a note forbids them).
  return line.length > 0 && !/[\p{Cc}\p{Cs}]/u.test(line);
}

/** Formats the checkpoint body (the note text), ending in a newline. Throws on invalid fields. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (!validLine(origin)) throw new CheckpointFormatError('origin must be a non-empty single line');
  if (!Number.isSafeInteger(size) || size < 0) throw new CheckpointFormatError(`invalid tree size ${size}`);
  if (rootHash.length !== SHA256_SIZE) {
    throw new CheckpointFormatError(`root hash is ${rootHash.length} bytes, want ${SHA256_SIZE}`);
  }
  for (const e of extensions) {
    if (!validLine(e)) throw new CheckpointFormatError('extension lines must be non-empty single lines');
  }
  return [origin, String(size), toBase64(rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/**
 * Parses a checkpoint body strictly: at least three lines, a final newline, no empty line,
 * a decimal size without leading zeros (and below 2^53), and a canonical standard-base64
 * root of exactly 32 bytes.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointFormatError('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointFormatError('checkpoint needs origin, size and root lines');
  if (!lines.every(validLine))
    throw new CheckpointFormatError('checkpoint lines must be non-empty, without controls');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!DECIMAL.test(sizeText))
    throw new CheckpointFormatError(`tree size ${JSON.stringify(sizeText)} is not canonical`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new CheckpointFormatError(`tree size ${sizeText} is too large`);
  const rootHash = fromBase64Strict(rootText);
  if (!rootHash) throw new CheckpointFormatError('root hash is not canonical base64');
  if (rootHash.length !== SHA256_SIZE) {
    throw new CheckpointFormatError(`root hash is ${rootHash.length} bytes, want ${SHA256_SIZE}`);
  }
  return extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash };
}

/** Formats and signs a checkpoint as a signed note. */
export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSignerKey[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

/** A verified, parsed checkpoint and the note signatures behind it. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/**
 * Verifies a signed checkpoint note against trusted keys, then parses its body. With
 * `origin`, also requires the checkpoint to come from that log (a valid signature over
 * another log's checkpoint must not pass). Throws SignedNoteError or CheckpointFormatError.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifierKey[],
  options: { origin?: string } = {},
): OpenedCheckpoint {
  const opened = verifyNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new CheckpointFormatError(`checkpoint origin ${checkpoint.origin} is not ${options.origin}`);
  }
  return { checkpoint, note: opened };
}
