import { bytesEqual } from './bytes.js';
import type { Checkpoint } from './checkpoint.js';
import { MerkleProofError, verifyConsistency } from './merkle.js';

/**
 * Why a newer checkpoint cannot extend a trusted one. `fork` (same size, other root) and
 * `truncated` (smaller size) are the attacks DESIGN.md section 6 names; `inconsistent` means
 * the proof does not link the two roots, which is also how a fork at different sizes shows.
 */
export type ConsistencyFailure = 'origin-mismatch' | 'truncated' | 'fork' | 'inconsistent';

/** Raised by {@link checkConsistency}; `failure` says which check failed. */
export class CheckpointConsistencyError extends Error {
  constructor(
    readonly failure: ConsistencyFailure,
    message: string,
    cause?: MerkleProofError,
  ) {
    super(message, cause ? { cause } : undefined);
    this.name = 'CheckpointConsistencyError';
  }
}

/**
 * Checks that `latest` extends `trusted` (both already signature-verified): same origin, size
 * not smaller, same root at equal size, and a valid RFC 9162 consistency proof otherwise.
 * A trusted checkpoint of size 0 is consistent with anything of the same origin (the empty
 * tree is a prefix of every tree, and RFC 9162 has no proof from it).
 * Throws {@link CheckpointConsistencyError}.
 */
export function checkConsistency(
  trusted: Checkpoint,
  latest: Checkpoint,
  proof: readonly Uint8Array[],
): void {
  if (trusted.origin !== latest.origin) {
    throw new CheckpointConsistencyError(
      'origin-mismatch',
      `checkpoints come from different logs: ${trusted.origin} and ${latest.origin}`,
    );
  }
  if (latest.size < trusted.size) {
    throw new CheckpointConsistencyError(
      'truncated',
      `log truncated: latest size ${latest.size} is below trusted size ${trusted.size}`,
    );
  }
  if (latest.size === trusted.size) {
    if (!bytesEqual(latest.rootHash, trusted.rootHash)) {
      throw new CheckpointConsistencyError('fork', `fork: two different roots for tree size ${latest.size}`);
    }
    if (proof.length > 0) {
      throw new CheckpointConsistencyError('inconsistent', 'checkpoints of equal size need an empty proof');
    }
    return;
  }
  if (trusted.size === 0) return;
  try {
    verifyConsistency(trusted.size, latest.size, proof, trusted.rootHash, latest.rootHash);
  } catch (err) {
    if (!(err instanceof MerkleProofError)) throw err;
    // At different sizes a fork and a corrupted proof look the same: no valid proof exists.
    throw new CheckpointConsistencyError(
      'inconsistent',
      `size ${latest.size} is not consistent with trusted size ${trusted.size}: ${err.message}`,
      err,
    );
  }
}
