/**
 * RFC 9162 (Certificate Transparency v2, section 2.1) Merkle tree hashing and proofs, as used
 * by the integrity log (DESIGN.md section 6). Pure functions: storage is reached only through
 * the {@link NodeHashReader} callback, so an adapter can back it with SQLite rows.
 *
 * Sizes and indexes are JavaScript numbers and must be safe integers (< 2^53): a log appending
 * one leaf per finalised run will not get near that, and rejecting larger values keeps every
 * bit operation exact (we use arithmetic, never the 32-bit `>>`/`&` operators).
 *
 * Costs (n = tree size, H = one SHA-256 of ≤ 65 bytes, ≈ 0.6 µs here):
 * - {@link appendLeaf}: amortised 1 H, worst case log2(n) H; {@link frontierRoot}: ≤ log2(n) H.
 * - {@link inclusionProof} / {@link consistencyProof} from stored perfect nodes: O(log n) reads
 *   and O(log² n) H worst case (ragged right-edge subtrees are recomputed from ≤ log n nodes).
 *   From leaves only ({@link nodeReaderFromLeaves} without a store): O(n) H per proof.
 * - {@link verifyInclusion} / {@link verifyConsistency}: O(log n) H, no reads.
 */
import { bytesEqual, SHA256_SIZE, sha256 } from './bytes.js';

/** Returns the hash of leaf `index` (level 0), e.g. from the hot store's leaf table. */
export type LeafHashAt = (index: number) => Uint8Array;

/**
 * Returns the hash of the perfect subtree at `level` and `index`: the node covering leaves
 * `[index·2^level, (index+1)·2^level)`. Level 0 is the leaf hash. Only nodes whose leaves all
 * exist are ever asked for; such nodes never change, so a store can persist them once
 * ({@link appendLeaf} reports each one as it completes).
 */
export type NodeHashReader = (level: number, index: number) => Uint8Array;

/** A perfect subtree node that became final during an append (level 0 = the leaf itself). */
export interface CompletedNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Uint8Array;
}

/**
 * The compact range `[0, size)`: the roots of the perfect subtrees that the binary
 * decomposition of `size` splits the tree into, largest (leftmost) first. It is all the
 * state needed to append and to compute the root, at most 53 hashes.
 */
export interface Frontier {
  readonly size: number;
  readonly nodes: readonly Uint8Array[];
}

/** Why a proof or a proof request was rejected; `code` is stable for callers to branch on. */
export type MerkleErrorCode =
  | 'invalid-argument'
  | 'bad-hash-length'
  | 'wrong-proof-length'
  | 'root-mismatch'
  | 'first-root-mismatch';

/** Raised by verification and generation; a failed proof never returns `false` silently. */
export class MerkleProofError extends Error {
  constructor(
    readonly code: MerkleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MerkleProofError';
  }
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(data.length + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

/** RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** MTH({}) = SHA-256(""), the root of the empty tree. */
export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

// ---------------------------------------------------------------------------------------
// Integer helpers on safe integers (no 32-bit bitwise operators).

function assertSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MerkleProofError(
      'invalid-argument',
      `${name} must be a non-negative safe integer, got ${value}`,
    );
  }
}

function isOdd(x: number): boolean {
  return x % 2 === 1;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  if (x < 1) return false;
  let v = x;
  while (v % 2 === 0) v /= 2;
  return v === 1;
}

/** Largest power of two strictly below n (n ≥ 2): RFC 9162's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of a power of two. */
function log2(powerOfTwo: number): number {
  let level = 0;
  for (let v = powerOfTwo; v > 1; v /= 2) level++;
  return level;
}

function assertHash(name: string, h: Uint8Array): void {
  if (h.length !== SHA256_SIZE) {
    throw new MerkleProofError('bad-hash-length', `${name} is ${h.length} bytes, want ${SHA256_SIZE}`);
  }
}

// ---------------------------------------------------------------------------------------
// Incremental frontier (compact range [0, size)).

/** The frontier of the empty tree. */
export function emptyFrontier(): Frontier {
  return { size: 0, nodes: [] };
}

/**
 * Appends one leaf hash and returns the new frontier plus every perfect node that became final
 * (the leaf at level 0, then each merged parent). Persisting `completed` lets proofs be served
 * in O(log n) reads later. Amortised one hash per append; worst case log2(size).
 */
export function appendLeaf(
  frontier: Frontier,
  leafHash: Uint8Array,
): { frontier: Frontier; completed: CompletedNode[] } {
  assertHash('leaf hash', leafHash);
  if (frontier.size >= Number.MAX_SAFE_INTEGER) {
    throw new MerkleProofError('invalid-argument', 'tree size would exceed 2^53 - 1');
  }
  const nodes = frontier.nodes.slice();
  const newSize = frontier.size + 1;
  const completed: CompletedNode[] = [{ level: 0, index: frontier.size, hash: leafHash }];
  let carry = leafHash;
  let level = 0;
  // Each trailing 1-bit of the old size is a perfect subtree of that height waiting for a
  // right sibling of equal height: merge them, exactly like a binary increment's carry.
  for (let bits = frontier.size; isOdd(bits); bits = half(bits)) {
    const left = nodes.pop();
    if (!left) throw new Error('frontier is inconsistent with its size');
    carry = hashChildren(left, carry);
    level++;
    completed.push({ level, index: newSize / 2 ** level - 1, hash: carry });
  }
  nodes.push(carry);
  return { frontier: { size: newSize, nodes }, completed };
}

/** MTH of the frontier's tree, in ≤ log2(size) hashes: fold the perfect roots right to left. */
export function frontierRoot(frontier: Frontier): Uint8Array {
  const { nodes } = frontier;
  const last = nodes[nodes.length - 1];
  if (!last) return emptyRoot();
  let root = last;
  for (let i = nodes.length - 2; i >= 0; i--) root = hashChildren(nodes[i] as Uint8Array, root);
  return root;
}

/**
 * Rebuilds the frontier for `size` from stored perfect nodes in O(log n) reads: how the log
 * recovers its state after a crash without rehashing every leaf.
 */
export function frontierAt(size: number, read: NodeHashReader): Frontier {
  assertSize('size', size);
  const nodes: Uint8Array[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (start + width <= size) {
      nodes.push(readNode(read, level, start / width));
      start += width;
    }
  }
  return { size, nodes };
}

// ---------------------------------------------------------------------------------------
// Tree hashes and proof generation.

/**
 * Adapts a leaf accessor into a {@link NodeHashReader} by hashing perfect subtrees from their
 * leaves (2^level - 1 hashes per node). With `memo` (default on) each node is computed once,
 * which makes proof generation over a whole in-memory tree O(n) total; pass `memo: false`
 * for a huge tree read once. A production store should persist {@link appendLeaf}'s
 * completed nodes instead and read them directly.
 */
export function nodeReaderFromLeaves(
  leafHashAt: LeafHashAt,
  options: { memo?: boolean } = {},
): NodeHashReader {
  const memo = options.memo === false ? undefined : new Map<string, Uint8Array>();
  const read: NodeHashReader = (level, index) => {
    if (level === 0) return leafHashAt(index);
    const key = `${level}/${index}`;
    const hit = memo?.get(key);
    if (hit) return hit;
    const h = hashChildren(read(level - 1, 2 * index), read(level - 1, 2 * index + 1));
    memo?.set(key, h);
    return h;
  };
  return read;
}

/**
 * MTH(D[start:end]) for a range RFC 9162's recursion produces: `start` is a multiple of the
 * smallest power of two ≥ `end - start`, so the left part of every split is a perfect node.
 */
function subtreeHash(start: number, end: number, read: NodeHashReader): Uint8Array {
  const width = end - start;
  if (isPowerOfTwo(width)) return readNode(read, log2(width), start / width);
  const k = splitPoint(width);
  return hashChildren(readNode(read, log2(k), start / k), subtreeHash(start + k, end, read));
}

/** Reads a node and checks the store answered with a hash: a gap must not become a bad proof. */
function readNode(read: NodeHashReader, level: number, index: number): Uint8Array {
  const h = read(level, index) as Uint8Array | undefined;
  if (h?.length !== SHA256_SIZE) {
    throw new MerkleProofError(
      'invalid-argument',
      `node store has no hash for level ${level} index ${index}`,
    );
  }
  return h;
}

/** MTH(D[0:size]), the root hash of the first `size` leaves; O(log n) reads and hashes. */
export function rootHash(size: number, read: NodeHashReader): Uint8Array {
  assertSize('size', size);
  if (size === 0) return emptyRoot();
  return subtreeHash(0, size, read);
}

/** MTH of an in-memory list of leaf hashes (O(n)); handy for tests and small batches. */
export function rootOfLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return rootHash(
    leafHashes.length,
    nodeReaderFromLeaves((i) => leafHashes[i] as Uint8Array, { memo: false }),
  );
}

/**
 * RFC 9162 section 2.1.3.1 PATH(index, D[size]): the audit path of leaf `index` in the tree
 * of `size` leaves, ordered from the leaf's sibling up to the root's child.
 */
export function inclusionProof(index: number, size: number, read: NodeHashReader): Uint8Array[] {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) {
    throw new MerkleProofError('invalid-argument', `index ${index} is not below tree size ${size}`);
  }
  const path: Uint8Array[] = [];
  // Walk down from the root; RFC 9162 appends the sibling after recursing, so collect
  // top-down and reverse at the end.
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(subtreeHash(start + k, end, read));
      end = start + k;
    } else {
      path.push(subtreeHash(start, start + k, read));
      start += k;
    }
  }
  return path.reverse();
}

/**
 * RFC 9162 section 2.1.4.1 PROOF(size1, D[size2]): proves that the tree of `size1` leaves is
 * a prefix of the tree of `size2` leaves. Empty when the sizes are equal; `size1` must be > 0
 * because a proof from the empty tree is meaningless (and the verifier rejects it).
 */
export function consistencyProof(size1: number, size2: number, read: NodeHashReader): Uint8Array[] {
  assertSize('size1', size1);
  assertSize('size2', size2);
  if (size1 === 0 || size1 > size2) {
    throw new MerkleProofError('invalid-argument', `need 0 < size1 ≤ size2, got ${size1} and ${size2}`);
  }
  const proof: Uint8Array[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: the recursion is a single descending path.
  let m = size1;
  let start = 0;
  let end = size2;
  let complete = true; // RFC's b: true while the subtree is still the original old tree
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(subtreeHash(start + k, end, read));
      end = start + k;
    } else {
      proof.push(subtreeHash(start, start + k, read));
      m -= k;
      start += k;
      complete = false;
    }
  }
  if (!complete) proof.push(subtreeHash(start, end, read));
  return proof.reverse();
}

// ---------------------------------------------------------------------------------------
// Verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2).

/**
 * Computes the root implied by an inclusion proof (RFC 9162 section 2.1.3.2 steps 1–4) and
 * checks that the proof had exactly the right length. Throws {@link MerkleProofError}.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) {
    throw new MerkleProofError('invalid-argument', `index ${index} is not below tree size ${size}`);
  }
  assertHash('leaf hash', leafHash);
  proof.forEach((p, i) => {
    assertHash(`proof[${i}]`, p);
  });
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw new MerkleProofError('wrong-proof-length', 'inclusion proof is too long');
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new MerkleProofError('wrong-proof-length', 'inclusion proof is too short');
  return r;
}

/**
 * Verifies that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`.
 * Returns normally on success; throws {@link MerkleProofError} naming the failure otherwise.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  assertHash('root', root);
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (!bytesEqual(computed, root)) {
    throw new MerkleProofError(
      'root-mismatch',
      `inclusion proof for leaf ${index} does not lead to the root`,
    );
  }
}

/**
 * Verifies that the tree of `size1` leaves with `root1` is a prefix of the tree of `size2`
 * leaves with `root2` (RFC 9162 section 2.1.4.2, plus the equal-size and empty-tree cases
 * the RFC leaves implicit: equal sizes need an empty proof and equal roots; size1 = 0 is
 * rejected as meaningless). Throws {@link MerkleProofError} on any failure.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  assertSize('size1', size1);
  assertSize('size2', size2);
  if (size2 < size1) {
    throw new MerkleProofError('invalid-argument', `size2 ${size2} is below size1 ${size1}`);
  }
  if (size1 === 0) {
    throw new MerkleProofError('invalid-argument', 'a consistency proof from the empty tree is meaningless');
  }
  if (size1 === size2) {
    if (proof.length > 0) {
      throw new MerkleProofError('wrong-proof-length', 'sizes are equal but the proof is not empty');
    }
    // Like the reference verifier, equal sizes only need byte-equal roots: their length is
    // not checked here (the conformance suite expects a 12-byte root to equal itself).
    if (!bytesEqual(root1, root2)) {
      throw new MerkleProofError('root-mismatch', `two different roots for the same size ${size1}`);
    }
    return;
  }
  assertHash('first root', root1);
  assertHash('second root', root2);
  proof.forEach((p, i) => {
    assertHash(`proof[${i}]`, p);
  });
  // Step 1.
  if (proof.length === 0) throw new MerkleProofError('wrong-proof-length', 'consistency proof is empty');
  // Step 2: a power-of-two old tree is itself a node of the new one, so the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3–4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) throw new MerkleProofError('wrong-proof-length', 'consistency proof is too long');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw new MerkleProofError('wrong-proof-length', 'consistency proof is too short');
  if (!bytesEqual(fr, root1)) {
    throw new MerkleProofError('first-root-mismatch', `proof does not reproduce the root of size ${size1}`);
  }
  if (!bytesEqual(sr, root2)) {
    throw new MerkleProofError('root-mismatch', `proof does not lead to the root of size ${size2}`);
  }
}
