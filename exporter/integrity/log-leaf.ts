/**
 * What the integrity log stores as leaf data: RFC 8785 (JCS) canonical JSON of one of three
 * entry types. The leaf hash is RFC 9162 SHA-256(0x00 ‖ those bytes). Every leaf has exactly
 * one valid encoding, so a verifier can recompute the hash from the fields alone (e.g. from
 * an attestation) and a stored leaf whose bytes are not canonical is itself evidence of
 * tampering.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { bytesEqual, utf8 } from './bytes.js';
import { hashLeaf } from './merkle.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256');
/** Run id = W3C trace id: 32 lowercase hex digits (DESIGN.md section 3). */
const runId = z.string().regex(/^[0-9a-f]{32}$/, 'run id (trace id) as 32 lowercase hex digits');
/** RFC 3339 UTC timestamp with optional fraction, e.g. `2026-11-24T12:00:00.000Z`. */
const utcTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'RFC 3339 UTC timestamp ending in Z');
const boundedText = z.string().min(1).max(1024);

/**
 * A finalised or supplementary run bundle written to the archive. `sequence` is 0 for the
 * main bundle and n for supplementary bundle n (as in ArchivePutRequest).
 */
export const bundleLeafSchema = z.strictObject({
  type: z.literal('bundle'),
  runId,
  bundleSha256: sha256Hex,
  archiveKey: boundedText,
  archiveVersion: boundedText.optional(),
  sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/**
 * A GDPR erasure: the subject's random surrogate (never the pseudonym or a real identifier,
 * so the log itself stays free of personal data once the registry entry is deleted).
 */
export const tombstoneLeafSchema = z.strictObject({
  type: z.literal('tombstone'),
  surrogate: boundedText,
  erasedAt: utcTimestamp,
});

/**
 * One auditor access-log entry, anchored by the SHA-256 of its canonical JSON; the entry
 * itself lives in the access log, so its format can evolve without changing leaves.
 */
export const accessLeafSchema = z.strictObject({
  type: z.literal('access'),
  entryId: boundedText,
  at: utcTimestamp,
  entrySha256: sha256Hex,
});

/** Any log leaf, discriminated by `type`. */
export const logLeafSchema = z.discriminatedUnion('type', [
  bundleLeafSchema,
  tombstoneLeafSchema,
  accessLeafSchema,
]);

export type BundleLeaf = z.infer<typeof bundleLeafSchema>;
export type TombstoneLeaf = z.infer<typeof tombstoneLeafSchema>;
export type AccessLeaf = z.infer<typeof accessLeafSchema>;
export type LogLeaf = z.infer<typeof logLeafSchema>;

/** Raised for leaf data that is not a valid, canonically encoded leaf. */
export class LogLeafError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogLeafError';
  }
}

/** Validates `leaf` and returns its canonical (RFC 8785) UTF-8 bytes: the leaf data. */
export function encodeLogLeaf(leaf: LogLeaf): Uint8Array {
  const parsed = logLeafSchema.safeParse(leaf);
  if (!parsed.success) throw new LogLeafError(`invalid log leaf: ${z.prettifyError(parsed.error)}`);
  const text = canonicalize(parsed.data);
  if (text === undefined) throw new LogLeafError('log leaf cannot be canonicalised');
  return utf8(text);
}

/**
 * Parses leaf bytes back into a leaf, rejecting invalid UTF-8, unknown fields and any
 * encoding other than the canonical one.
 */
export function decodeLogLeaf(data: Uint8Array): LogLeaf {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new LogLeafError('log leaf is not UTF-8 JSON');
  }
  const parsed = logLeafSchema.safeParse(json);
  if (!parsed.success) throw new LogLeafError(`invalid log leaf: ${z.prettifyError(parsed.error)}`);
  if (!bytesEqual(encodeLogLeaf(parsed.data), data)) throw new LogLeafError('log leaf is not canonical JSON');
  return parsed.data;
}

/** RFC 9162 leaf hash of a leaf's canonical encoding. */
export function logLeafHash(leaf: LogLeaf): Uint8Array {
  return hashLeaf(encodeLogLeaf(leaf));
}
