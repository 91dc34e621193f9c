import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  MerkleProofError,
  nodeReaderFromLeaves,
  rootHash,
  verifyConsistency,
} from './merkle.js';
import { flipBit, flipProofBit, leafHashesOf, referenceSubproof } from './test-support/merkle-reference.js';

const MAX = 256;
const leaves = leafHashesOf(MAX);
const read = nodeReaderFromLeaves((i) => leaves[i] as Uint8Array);
const roots = Array.from({ length: MAX + 1 }, (_, n) => rootHash(n, read));
const rootOf = (n: number): Uint8Array => roots[n] as Uint8Array;

describe('consistency proofs between every 1 ≤ m ≤ n ≤ 256', () => {
  it('match the recursive RFC 9162 PROOF for every pair up to size 64', () => {
    for (let n = 1; n <= 64; n++) {
      const d = leaves.slice(0, n);
      for (let m = 1; m <= n; m++) {
        expect(consistencyProof(m, n, read), `${m}→${n}`).toEqual(
          m === n ? [] : referenceSubproof(m, d, true),
        );
      }
    }
  });

  it('verify, and fail with one flipped bit in the proof or either root', () => {
    let pairs = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, read);
        verifyConsistency(m, n, proof, rootOf(m), rootOf(n));
        const bit = m * 11 + n;
        if (proof.length > 0) {
          expect(() =>
            verifyConsistency(m, n, flipProofBit(proof, m + n, bit), rootOf(m), rootOf(n)),
          ).toThrow(MerkleProofError);
        }
        expect(() => verifyConsistency(m, n, proof, flipBit(rootOf(m), bit), rootOf(n))).toThrow(
          MerkleProofError,
        );
        expect(() => verifyConsistency(m, n, proof, rootOf(m), flipBit(rootOf(n), bit))).toThrow(
          MerkleProofError,
        );
        pairs++;
      }
    }
    expect(pairs).toBe((MAX * (MAX + 1)) / 2);
  });

  it('detect a fork: the same size with another root, and a rewritten old leaf', () => {
    const forked = leaves.slice();
    forked[3] = flipBit(forked[3] as Uint8Array, 0);
    const forkRead = nodeReaderFromLeaves((i) => forked[i] as Uint8Array);
    for (let m = 4; m <= 40; m++) {
      for (const n of [m, m + 1, 64, 255]) {
        // The forked log proves consistency of its own history, which the trusted root rejects.
        const proof = consistencyProof(m, n, forkRead);
        expect(() => verifyConsistency(m, n, proof, rootOf(m), rootHash(n, forkRead))).toThrow(
          MerkleProofError,
        );
      }
    }
  });

  it('reject truncation (size2 < size1), proofs from the empty tree and wrong proof lengths', () => {
    expect(() => verifyConsistency(10, 9, [], rootOf(10), rootOf(9))).toThrow(/below/);
    expect(() => verifyConsistency(0, 9, [], rootOf(0), rootOf(9))).toThrow(/empty tree/);
    const proof = consistencyProof(7, 100, read);
    expect(() => verifyConsistency(7, 100, proof.slice(0, -1), rootOf(7), rootOf(100))).toThrow(/too short/);
    expect(() => verifyConsistency(7, 100, [...proof, rootOf(1)], rootOf(7), rootOf(100))).toThrow(
      /too long/,
    );
    expect(() => verifyConsistency(7, 100, [], rootOf(7), rootOf(100))).toThrow(/empty/);
    expect(() => verifyConsistency(7, 7, [rootOf(1)], rootOf(7), rootOf(7))).toThrow(/not empty/);
    expect(() => consistencyProof(0, 5, read)).toThrow(MerkleProofError);
    expect(() => consistencyProof(6, 5, read)).toThrow(MerkleProofError);
  });
});
