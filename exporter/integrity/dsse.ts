/**
 * DSSE v1 (github.com/secure-systems-lab/dsse) envelopes signed with Ed25519. The signature
 * covers PAE(payloadType, payload), so neither the type nor the body can be swapped.
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { concatBytes, fromBase64Lenient, toBase64, utf8 } from './bytes.js';
import { keyIdHex, type NoteSignerKey, type NoteVerifierKey } from './note-key.js';

/** The recommended JSON envelope. `keyid` is an unauthenticated hint, never a trust decision. */
export const dsseEnvelopeSchema = z.object({
  payloadType: z.string().min(1),
  payload: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: z.string().min(1) })).min(1),
});

export type DsseEnvelope = z.infer<typeof dsseEnvelopeSchema>;

/** An Ed25519 private key with an optional key id hint. */
export interface DsseSigner {
  readonly keyid?: string;
  readonly privateKey: KeyObject;
}

/** A trusted Ed25519 public key with an optional key id hint. */
export interface DsseVerifier {
  readonly keyid?: string;
  readonly publicKey: KeyObject;
}

/** The authenticated content of a verified envelope. */
export interface VerifiedEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  /** Index into the `verifiers` argument of each key that produced a valid signature. */
  readonly verifiedBy: readonly number[];
}

/** Stable reasons an envelope is rejected. */
export type DsseErrorCode = 'malformed-envelope' | 'unexpected-payload-type' | 'signature-threshold';

/** Raised when an envelope cannot be signed or does not verify. */
export class DsseError extends Error {
  constructor(
    readonly code: DsseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DsseError';
  }
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(utf8(`DSSEv1 ${type.length} `), type, utf8(` ${payload.length} `), payload);
}

function assertEd25519(key: KeyObject, kind: 'private' | 'public'): void {
  if (key.type !== kind || key.asymmetricKeyType !== 'ed25519') {
    throw new DsseError('malformed-envelope', `DSSE keys here must be Ed25519 ${kind} keys`);
  }
}

/** Signs `payload` of `payloadType` with every signer; standard base64 in the envelope. */
export function signEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signers: readonly DsseSigner[],
): DsseEnvelope {
  if (payloadType.length === 0) throw new DsseError('malformed-envelope', 'payloadType must not be empty');
  if (signers.length === 0)
    throw new DsseError('malformed-envelope', 'an envelope needs at least one signer');
  const pae = preAuthEncoding(payloadType, payload);
  return {
    payloadType,
    payload: toBase64(payload),
    signatures: signers.map((s) => {
      assertEd25519(s.privateKey, 'private');
      const sig = toBase64(new Uint8Array(sign(null, pae, s.privateKey)));
      return s.keyid === undefined ? { sig } : { keyid: s.keyid, sig };
    }),
  };
}

/**
 * Verifies an envelope (parsed JSON, untrusted) against trusted keys: at least `threshold`
 * distinct trusted keys (default 1) must have signed PAE(payloadType, payload). A key id on
 * both sides only narrows which key is tried. With `payloadType`, any other type is rejected
 * after the signatures are checked, as the DSSE protocol orders it.
 */
export function verifyEnvelope(
  envelope: unknown,
  verifiers: readonly DsseVerifier[],
  options: { threshold?: number; payloadType?: string } = {},
): VerifiedEnvelope {
  const threshold = options.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1) {
    throw new DsseError('malformed-envelope', 'threshold must be a positive integer');
  }
  const parsed = dsseEnvelopeSchema.safeParse(envelope);
  if (!parsed.success)
    throw new DsseError('malformed-envelope', `not a DSSE envelope: ${parsed.error.message}`);
  const { payloadType, signatures } = parsed.data;
  // DSSE verifiers MUST accept standard and URL-safe base64.
  const payload = fromBase64Lenient(parsed.data.payload);
  if (!payload) throw new DsseError('malformed-envelope', 'payload is not base64');
  const pae = preAuthEncoding(payloadType, payload);
  const accepted = new Set<number>();
  for (const s of signatures) {
    const sig = fromBase64Lenient(s.sig);
    if (!sig) continue; // an undecodable signature counts for nothing
    verifiers.forEach((v, i) => {
      if (accepted.has(i)) return;
      if (s.keyid !== undefined && v.keyid !== undefined && s.keyid !== v.keyid) return;
      assertEd25519(v.publicKey, 'public');
      if (verify(null, pae, v.publicKey, sig)) accepted.add(i);
    });
  }
  if (accepted.size < threshold) {
    throw new DsseError(
      'signature-threshold',
      `envelope has ${accepted.size} valid signature(s) from trusted keys, needs ${threshold}`,
    );
  }
  if (options.payloadType !== undefined && payloadType !== options.payloadType) {
    throw new DsseError(
      'unexpected-payload-type',
      `payloadType ${payloadType} is not ${options.payloadType}`,
    );
  }
  return { payloadType, payload, verifiedBy: [...accepted].sort((a, b) => a - b) };
}

/** The log's note key as a DSSE signer; key id hint `<name>+<8 hex key id>`. */
export function dsseSignerFromNoteKey(key: NoteSignerKey): DsseSigner {
  return { keyid: `${key.name}+${keyIdHex(key.keyId)}`, privateKey: key.privateKey };
}

/** The log's note verifier key as a DSSE verifier, with the same key id hint. */
export function dsseVerifierFromNoteKey(key: NoteVerifierKey): DsseVerifier {
  return { keyid: `${key.name}+${keyIdHex(key.keyId)}`, publicKey: key.publicKey };
}
