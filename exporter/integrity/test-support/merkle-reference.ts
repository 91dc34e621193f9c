/**
 * Test-only helpers shared by the Merkle property tests: deterministic leaves, bit flips and
 * a deliberately naive RFC 9162 reference written straight from the RFC's recursive
 * definitions, to cross-check the iterative generators in merkle.ts.
 */
import { hashChildren, hashLeaf } from '../merkle.js';

/** Leaf hashes of a deterministic tree: leaf i is the UTF-8 text `leaf-${i}`. */
export function leafHashesOf(size: number): Uint8Array[] {
  return Array.from({ length: size }, (_, i) => hashLeaf(new TextEncoder().encode(`leaf-${i}`)));
}

/** A copy of `bytes` with bit `bit` (mod its length) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const at = bit % (out.length * 8);
  const byte = Math.floor(at / 8);
  out[byte] = (out[byte] as number) ^ (1 << (at % 8));
  return out;
}

/** A copy of `proof` with one bit flipped in element `element` (mod its length). */
export function flipProofBit(proof: readonly Uint8Array[], element: number, bit: number): Uint8Array[] {
  const i = element % proof.length;
  return proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
}

function k(n: number): number {
  let x = 1;
  while (x * 2 < n) x *= 2;
  return x;
}

/** RFC 9162 MTH(D[n]) over leaf hashes, recursively. */
export function referenceMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 1) return d[0] as Uint8Array;
  const split = k(d.length);
  return hashChildren(referenceMth(d.slice(0, split)), referenceMth(d.slice(split)));
}

/** RFC 9162 section 2.1.3.1 PATH(m, D[n]), recursively. */
export function referencePath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const split = k(d.length);
  return m < split
    ? [...referencePath(m, d.slice(0, split)), referenceMth(d.slice(split))]
    : [...referencePath(m - split, d.slice(split)), referenceMth(d.slice(0, split))];
}

/** RFC 9162 section 2.1.4.1 SUBPROOF(m, D[n], b), recursively. */
export function referenceSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [referenceMth(d)];
  const split = k(d.length);
  return m <= split
    ? [...referenceSubproof(m, d.slice(0, split), b), referenceMth(d.slice(split))]
    : [...referenceSubproof(m - split, d.slice(split), false), referenceMth(d.slice(0, split))];
}
