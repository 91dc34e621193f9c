/**
 * in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md) built, signed
 * into a DSSE envelope and verified. The payload is RFC 8785 canonical JSON so the same
 * statement always yields the same bytes (and, Ed25519 being deterministic, the same
 * envelope), which makes attestations cacheable and comparable.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { utf8 } from './bytes.js';
import {
  type DsseEnvelope,
  type DsseSigner,
  type DsseVerifier,
  signEnvelope,
  verifyEnvelope,
} from './dsse.js';

/** `_type` of every v1 statement. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** DSSE payloadType for in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256');

/** A subject: what the statement is about, identified by digest. */
export const inTotoSubjectSchema = z.object({
  name: z.string().min(1),
  digest: z.object({ sha256: sha256Hex }).catchall(z.string().min(1)),
});

/** A statement with an opaque predicate; narrow it with the predicate's own schema. */
export const inTotoStatementSchema = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_TYPE),
  subject: z.array(inTotoSubjectSchema).min(1),
  predicateType: z.string().min(1),
  predicate: z.record(z.string(), z.unknown()),
});

export type InTotoSubject = z.infer<typeof inTotoSubjectSchema>;

/** An in-toto Statement v1 with predicate type `P`. */
export interface InTotoStatement<P extends object = Record<string, unknown>> {
  readonly _type: typeof IN_TOTO_STATEMENT_TYPE;
  readonly subject: readonly InTotoSubject[];
  readonly predicateType: string;
  readonly predicate: P;
}

/** Raised when a statement is invalid or its envelope is not an in-toto statement. */
export class InTotoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InTotoError';
  }
}

/** Builds a statement, validating subjects (sha256 digest required) and the predicate type. */
export function buildStatement<P extends object>(
  subject: readonly InTotoSubject[],
  predicateType: string,
  predicate: P,
): InTotoStatement<P> {
  const statement = { _type: IN_TOTO_STATEMENT_TYPE, subject, predicateType, predicate } as const;
  const parsed = inTotoStatementSchema.safeParse(statement);
  if (!parsed.success) throw new InTotoError(`invalid in-toto statement: ${z.prettifyError(parsed.error)}`);
  return statement;
}

/** Serialises a statement as canonical JSON and signs it into a DSSE envelope. */
export function signStatement(
  statement: InTotoStatement<object>,
  signers: readonly DsseSigner[],
): DsseEnvelope {
  const text = canonicalize(statement);
  if (text === undefined) throw new InTotoError('statement cannot be serialised');
  return signEnvelope(IN_TOTO_PAYLOAD_TYPE, utf8(text), signers);
}

/**
 * Verifies the envelope's signatures (DSSE, `threshold` trusted keys) and then parses the
 * payload as a statement. With `predicateType`, requires that type. Throws DsseError for
 * signature problems and InTotoError for a payload that is not a valid statement.
 */
export function verifyStatement(
  envelope: unknown,
  verifiers: readonly DsseVerifier[],
  options: { threshold?: number; predicateType?: string } = {},
): { statement: InTotoStatement; verifiedBy: readonly number[] } {
  const opened = verifyEnvelope(envelope, verifiers, {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
  });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.payload));
  } catch {
    throw new InTotoError('payload is not UTF-8 JSON');
  }
  const parsed = inTotoStatementSchema.safeParse(json);
  if (!parsed.success)
    throw new InTotoError(`payload is not an in-toto statement: ${z.prettifyError(parsed.error)}`);
  if (options.predicateType !== undefined && parsed.data.predicateType !== options.predicateType) {
    throw new InTotoError(`predicateType ${parsed.data.predicateType} is not ${options.predicateType}`);
  }
  return { statement: parsed.data, verifiedBy: opened.verifiedBy };
}
