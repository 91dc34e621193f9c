import { describe, expect, it } from 'vitest';
import {
  appendLeaf,
  emptyFrontier,
  emptyRoot,
  type Frontier,
  frontierAt,
  frontierRoot,
  inclusionProof,
  MerkleProofError,
  nodeReaderFromLeaves,
  rootHash,
  verifyInclusion,
} from './merkle.js';
import {
  flipBit,
  flipProofBit,
  leafHashesOf,
  referenceMth,
  referencePath,
} from './test-support/merkle-reference.js';

const MAX = 256;
const leaves = leafHashesOf(MAX);
const read = nodeReaderFromLeaves((i) => leaves[i] as Uint8Array);

describe('Merkle tree roots and the incremental frontier, every size 0..256', () => {
  it('appending leaf by leaf gives MTH at every size and reports every perfect node once', () => {
    let frontier: Frontier = emptyFrontier();
    expect(frontierRoot(frontier)).toEqual(emptyRoot());
    expect(rootHash(0, read)).toEqual(emptyRoot());
    const completed = new Map<string, Uint8Array>();
    for (let n = 1; n <= MAX; n++) {
      const step = appendLeaf(frontier, leaves[n - 1] as Uint8Array);
      frontier = step.frontier;
      for (const node of step.completed) {
        const key = `${node.level}/${node.index}`;
        expect(completed.has(key), key).toBe(false);
        completed.set(key, node.hash);
        expect(node.hash, key).toEqual(read(node.level, node.index));
      }
      const root = frontierRoot(frontier);
      expect(root, `size ${n}`).toEqual(rootHash(n, read));
      expect(root, `size ${n}`).toEqual(referenceMth(leaves.slice(0, n)));
      // Crash recovery: the frontier rebuilt from stored nodes equals the live one.
      expect(frontierAt(n, (level, index) => completed.get(`${level}/${index}`) as Uint8Array)).toEqual(
        frontier,
      );
    }
    // 256 leaves + 128 + 64 + … + 1 interior nodes.
    expect(completed.size).toBe(2 * MAX - 1);
  });

  it('frontier nodes never exceed the number of set bits of the size', () => {
    let frontier: Frontier = emptyFrontier();
    for (let n = 1; n <= MAX; n++) {
      frontier = appendLeaf(frontier, leaves[n - 1] as Uint8Array).frontier;
      expect(frontier.nodes.length).toBe(n.toString(2).replaceAll('0', '').length);
    }
  });
});

describe('inclusion proofs for every size 1..256 and every index', () => {
  it('match the recursive RFC 9162 PATH for every pair up to size 64', () => {
    for (let n = 1; n <= 64; n++) {
      const d = leaves.slice(0, n);
      for (let m = 0; m < n; m++)
        expect(inclusionProof(m, n, read), `${m}/${n}`).toEqual(referencePath(m, d));
    }
  });

  it('verify, and fail with one flipped bit in the proof, the leaf or the root', () => {
    let pairs = 0;
    for (let n = 1; n <= MAX; n++) {
      const root = rootHash(n, read);
      for (let m = 0; m < n; m++) {
        const leaf = leaves[m] as Uint8Array;
        const proof = inclusionProof(m, n, read);
        verifyInclusion(m, n, leaf, proof, root);
        const bit = m * 7 + n;
        if (proof.length > 0) {
          expect(() => verifyInclusion(m, n, leaf, flipProofBit(proof, m, bit), root)).toThrow(
            MerkleProofError,
          );
        }
        expect(() => verifyInclusion(m, n, flipBit(leaf, bit), proof, root)).toThrow(MerkleProofError);
        expect(() => verifyInclusion(m, n, leaf, proof, flipBit(root, bit))).toThrow(MerkleProofError);
        pairs++;
      }
    }
    expect(pairs).toBe((MAX * (MAX + 1)) / 2);
  });

  // Not tested: replaying a proof with a different tree size. For a leaf in the left perfect
  // subtree, sizes n and n + 1 can share the proof shape, and the proof then "verifies" the
  // old root at the new size. That is inherent to RFC 9162: size and root are bound together
  // by the signed checkpoint, never by the inclusion proof.
  it('reject a proof replayed for a neighbouring index', () => {
    for (let n = 2; n <= MAX; n++) {
      const root = rootHash(n, read);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(m, n, read);
        const other = m === 0 ? 1 : m - 1;
        expect(() => verifyInclusion(other, n, leaves[m] as Uint8Array, proof, root)).toThrow(
          MerkleProofError,
        );
      }
    }
  });

  it('reject truncated and extended proofs and out-of-range arguments', () => {
    const n = 200;
    const root = rootHash(n, read);
    const proof = inclusionProof(5, n, read);
    const leaf = leaves[5] as Uint8Array;
    expect(() => verifyInclusion(5, n, leaf, proof.slice(1), root)).toThrow(/too short/);
    expect(() => verifyInclusion(5, n, leaf, [...proof, leaf], root)).toThrow(/too long/);
    expect(() => verifyInclusion(n, n, leaf, proof, root)).toThrow(/not below/);
    expect(() => verifyInclusion(-1, n, leaf, proof, root)).toThrow(/non-negative/);
    expect(() => verifyInclusion(0.5, n, leaf, proof, root)).toThrow(/safe integer/);
    expect(() => verifyInclusion(5, n, leaf.subarray(1), proof, root)).toThrow(/33|31 bytes/);
    expect(() => inclusionProof(n, n, read)).toThrow(MerkleProofError);
    // A store with a gap fails loudly instead of producing a proof that cannot verify.
    expect(() => inclusionProof(3, 10, () => new Uint8Array(0))).toThrow(/no hash for level/);
  });
});
