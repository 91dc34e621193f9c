/**
 * Per-output attestations: an in-toto Statement v1 about one FinalOutput (subject digest =
 * output SHA-256) with the {@link OutputAttestationPredicate}, in a DSSE envelope signed with
 * the log's Ed25519 key. {@link verifyOutputAttestation} is the pure core of
 * `agent-lineage verify --attestation`: it needs only the envelope and the log's public key.
 */
import { z } from 'zod';
import {
  OUTPUT_ATTESTATION_PREDICATE_TYPE,
  type OutputAttestationPredicate,
  outputAttestationPredicateSchema,
} from './attestation-predicate.js';
import { bytesEqual, fromBase64Strict } from './bytes.js';
import { openCheckpoint } from './checkpoint.js';
import { type DsseEnvelope, DsseError, dsseSignerFromNoteKey, dsseVerifierFromNoteKey } from './dsse.js';
import { buildStatement, type InTotoStatement, signStatement, verifyStatement } from './in-toto.js';
import { type BundleLeaf, logLeafHash } from './log-leaf.js';
import { verifyInclusion } from './merkle.js';
import type { NoteSignerKey, NoteVerifierKey } from './note-key.js';

/** Which verification step failed. */
export type AttestationCheck = 'signature' | 'statement' | 'subject' | 'checkpoint' | 'inclusion';

/** Raised by {@link verifyOutputAttestation}; `check` names the failed step, `cause` the detail. */
export class OutputAttestationError extends Error {
  constructor(
    readonly check: AttestationCheck,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'OutputAttestationError';
  }
}

/** Subject name of an output: unique per run even when two runs produce identical bytes. */
export function outputSubjectName(runId: string, outputSha256: string): string {
  return `urn:agent-lineage:run:${runId}:output:${outputSha256}`;
}

/** Builds the statement for one output (validates the predicate). */
export function buildOutputAttestation(
  outputSha256: string,
  predicate: OutputAttestationPredicate,
): InTotoStatement<OutputAttestationPredicate> {
  const parsed = outputAttestationPredicateSchema.safeParse(predicate);
  if (!parsed.success) throw new OutputAttestationError('statement', z.prettifyError(parsed.error));
  return buildStatement(
    [{ name: outputSubjectName(predicate.runId, outputSha256), digest: { sha256: outputSha256 } }],
    OUTPUT_ATTESTATION_PREDICATE_TYPE,
    parsed.data,
  );
}

/** Signs the statement with the log key (DSSE key id hint `<name>+<hex key id>`). */
export function signOutputAttestation(
  statement: InTotoStatement<OutputAttestationPredicate>,
  logKey: NoteSignerKey,
): DsseEnvelope {
  return signStatement(statement, [dsseSignerFromNoteKey(logKey)]);
}

/** The bundle log leaf the predicate commits to. */
export function bundleLeafOf(predicate: OutputAttestationPredicate): BundleLeaf {
  const { sha256, archiveKey, archiveVersion, sequence } = predicate.bundle;
  return {
    type: 'bundle',
    runId: predicate.runId,
    bundleSha256: sha256,
    archiveKey,
    ...(archiveVersion === undefined ? {} : { archiveVersion }),
    sequence,
  };
}

/** What a successful verification established. */
export interface VerifiedOutputAttestation {
  readonly outputSha256: string;
  readonly predicate: OutputAttestationPredicate;
  /** True when the predicate carried inclusion evidence and it verified. */
  readonly inclusionVerified: boolean;
}

/**
 * Verifies an attestation offline: the DSSE signature by the log key, the statement and
 * predicate schema, optionally the expected output hash, and — when the predicate carries
 * inclusion evidence — the checkpoint signature and origin, that the checkpoint matches the
 * proof's size and root, and the inclusion proof of the recomputed bundle leaf.
 * Throws {@link OutputAttestationError} naming the failed check.
 */
export function verifyOutputAttestation(
  envelope: unknown,
  logKey: NoteVerifierKey,
  options: { outputSha256?: string } = {},
): VerifiedOutputAttestation {
  let statement: InTotoStatement;
  try {
    ({ statement } = verifyStatement(envelope, [dsseVerifierFromNoteKey(logKey)], {
      predicateType: OUTPUT_ATTESTATION_PREDICATE_TYPE,
    }));
  } catch (err) {
    const check: AttestationCheck = err instanceof DsseError ? 'signature' : 'statement';
    throw new OutputAttestationError(check, `attestation ${check} check failed: ${String(err)}`, err);
  }
  const parsed = outputAttestationPredicateSchema.safeParse(statement.predicate);
  if (!parsed.success) throw new OutputAttestationError('statement', z.prettifyError(parsed.error));
  const predicate = parsed.data;
  const subject = statement.subject[0];
  if (statement.subject.length !== 1 || !subject) {
    throw new OutputAttestationError('subject', 'an output attestation has exactly one subject');
  }
  const outputSha256 = subject.digest.sha256;
  if (subject.name !== outputSubjectName(predicate.runId, outputSha256)) {
    throw new OutputAttestationError('subject', `subject name ${subject.name} does not match run and digest`);
  }
  if (options.outputSha256 !== undefined && options.outputSha256 !== outputSha256) {
    throw new OutputAttestationError(
      'subject',
      `attestation is for output ${outputSha256}, not ${options.outputSha256}`,
    );
  }
  const inclusion = predicate.log.inclusion;
  if (!inclusion) return { outputSha256, predicate, inclusionVerified: false };

  let checkpointSize: number;
  let checkpointRoot: Uint8Array;
  try {
    const { checkpoint } = openCheckpoint(inclusion.checkpoint, [logKey], { origin: predicate.log.origin });
    checkpointSize = checkpoint.size;
    checkpointRoot = checkpoint.rootHash;
  } catch (err) {
    throw new OutputAttestationError('checkpoint', `checkpoint does not verify: ${String(err)}`, err);
  }
  const root = fromBase64Strict(inclusion.rootHash);
  if (!root || checkpointSize !== inclusion.treeSize || !bytesEqual(checkpointRoot, root)) {
    throw new OutputAttestationError(
      'checkpoint',
      'checkpoint size or root differs from the inclusion evidence',
    );
  }
  try {
    const proof = inclusion.proof.map((p) => {
      const bytes = fromBase64Strict(p);
      if (!bytes) throw new Error('proof hash is not canonical base64');
      return bytes;
    });
    verifyInclusion(
      predicate.log.leafIndex,
      inclusion.treeSize,
      logLeafHash(bundleLeafOf(predicate)),
      proof,
      root,
    );
  } catch (err) {
    throw new OutputAttestationError('inclusion', `bundle leaf is not in the log: ${String(err)}`, err);
  }
  return { outputSha256, predicate, inclusionVerified: true };
}
