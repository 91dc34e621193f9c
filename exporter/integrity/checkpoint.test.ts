import { describe, expect, it } from 'vitest';
import {
  type Checkpoint,
  CheckpointFormatError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.js';
import { CheckpointConsistencyError, checkConsistency } from './checkpoint-consistency.js';
import {
  appendLeaf,
  consistencyProof,
  emptyFrontier,
  type Frontier,
  frontierRoot,
  hashLeaf,
  nodeReaderFromLeaves,
} from './merkle.js';
import { generateNoteSigner, verifierOf } from './note-key.js';
import { SignedNoteError } from './signed-note.js';

const ORIGIN = 'lineage.example.com/log';
const root32 = new Uint8Array(32).map((_, i) => i);

/** A small log: leaf hashes, a reader for proofs and the checkpoint at any size. */
function makeLog(count: number, salt = '') {
  const leaves = Array.from({ length: count }, (_, i) =>
    hashLeaf(new TextEncoder().encode(`${salt}run-${i}`)),
  );
  const read = nodeReaderFromLeaves((i) => leaves[i] as Uint8Array);
  const checkpointAt = (size: number): Checkpoint => {
    let f: Frontier = emptyFrontier();
    for (const l of leaves.slice(0, size)) f = appendLeaf(f, l).frontier;
    return { origin: ORIGIN, size, rootHash: frontierRoot(f) };
  };
  return { leaves, read, checkpointAt };
}

describe('checkpoint body format', () => {
  it('formats the C2SP example layout and parses it back', () => {
    const cp: Checkpoint = { origin: ORIGIN, size: 20852163, rootHash: root32 };
    const text = formatCheckpoint(cp);
    expect(text).toBe(`${ORIGIN}\n20852163\n${Buffer.from(root32).toString('base64')}\n`);
    expect(parseCheckpoint(text)).toEqual(cp);
  });

  it('parses the tlog-checkpoint spec example body', () => {
    const cp = parseCheckpoint(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(cp.rootHash).toHaveLength(32);
  });

  it('keeps extension lines', () => {
    const cp: Checkpoint = { origin: ORIGIN, size: 0, rootHash: root32, extensions: ['ext one', 'ext-two'] };
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
  });

  it('rejects malformed and non-canonical bodies', () => {
    const r = Buffer.from(root32).toString('base64');
    const bad = [
      `${ORIGIN}\n1\n${r}`, // no final newline
      `${ORIGIN}\n1\n`, // no root
      `\n1\n${r}\n`, // empty origin
      `${ORIGIN}\n01\n${r}\n`, // leading zero
      `${ORIGIN}\n+1\n${r}\n`, // sign
      `${ORIGIN}\n1.0\n${r}\n`, // not an integer
      `${ORIGIN}\n 1\n${r}\n`, // space
      `${ORIGIN}\n9007199254740993\n${r}\n`, // beyond 2^53
      `${ORIGIN}\n1\n${r.slice(0, -4)}\n`, // 30-byte root
      `${ORIGIN}\n1\n${Buffer.alloc(33).toString('base64')}\n`, // 33-byte root
      `${ORIGIN}\n1\n${r.replace(/=$/, '')}\n`, // unpadded base64
      `${ORIGIN}\n1\n${r.slice(0, -2)}B=\n`, // non-zero padding bits
      `${ORIGIN}\n1\n${Buffer.from(root32).toString('base64url')}\n`, // URL alphabet
      `${ORIGIN}\n1\n${r}\n\n`, // empty extension line
      `${ORIGIN}\n1\n${r}\next\u0001\n`, // control character
    ];
    for (const text of bad)
      expect(() => parseCheckpoint(text), JSON.stringify(text)).toThrow(CheckpointFormatError);
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: root32 })).toThrow(
      CheckpointFormatError,
    );
    expect(() => formatCheckpoint({ origin: ORIGIN, size: -1, rootHash: root32 })).toThrow(
      CheckpointFormatError,
    );
    expect(() => formatCheckpoint({ origin: ORIGIN, size: 1, rootHash: root32.subarray(1) })).toThrow(
      CheckpointFormatError,
    );
  });
});

describe('signed checkpoints', () => {
  const signer = generateNoteSigner(ORIGIN);
  const cp: Checkpoint = { origin: ORIGIN, size: 42, rootHash: root32 };

  it('round-trip through sign and open', () => {
    const note = signCheckpoint(cp, [signer]);
    expect(note.startsWith(formatCheckpoint(cp))).toBe(true);
    expect(note).toContain(`\n\n\u2014 ${ORIGIN} `);
    const opened = openCheckpoint(note, [verifierOf(signer)], { origin: ORIGIN });
    expect(opened.checkpoint).toEqual(cp);
    expect(opened.note.verified.map((s) => s.keyId)).toEqual([signer.keyId]);
  });

  it('fail when the body is tampered (size or root)', () => {
    const note = signCheckpoint(cp, [signer]);
    const bigger = note.replace('\n42\n', '\n43\n');
    expect(() => openCheckpoint(bigger, [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'invalid-signature' }),
    );
    const rootLine = Buffer.from(root32).toString('base64');
    const otherRoot = Buffer.from(root32.map((b) => b ^ 0xff)).toString('base64');
    expect(() => openCheckpoint(note.replace(rootLine, otherRoot), [verifierOf(signer)])).toThrow(
      SignedNoteError,
    );
  });

  it('fail with unknown-key when signed by a key that is not trusted', () => {
    const rogue = generateNoteSigner(ORIGIN); // same name, other key: other key id
    expect(rogue.keyId).not.toBe(signer.keyId);
    expect(() => openCheckpoint(signCheckpoint(cp, [rogue]), [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'unknown-key' }),
    );
  });

  it('fail when the key name differs from the trusted one', () => {
    const renamed = signCheckpoint(cp, [signer]).replace(`\u2014 ${ORIGIN} `, '\u2014 other.example/log ');
    expect(() => openCheckpoint(renamed, [verifierOf(signer)])).toThrow(
      expect.objectContaining({ code: 'unknown-key' }),
    );
  });

  it('fail when the checkpoint is for another origin', () => {
    const foreign = signCheckpoint({ ...cp, origin: 'other.example/log' }, [signer]);
    expect(() => openCheckpoint(foreign, [verifierOf(signer)], { origin: ORIGIN })).toThrow(
      CheckpointFormatError,
    );
  });
});

describe('checkConsistency(trusted, latest, proof)', () => {
  const log = makeLog(40);

  it('accepts an honest log growing from every trusted size', () => {
    const latest = log.checkpointAt(40);
    for (let m = 0; m <= 40; m++) {
      const proof = m === 0 || m === 40 ? [] : consistencyProof(m, 40, log.read);
      expect(() => checkConsistency(log.checkpointAt(m), latest, proof)).not.toThrow();
    }
  });

  it('detects a fork: same size, other root', () => {
    const forked = makeLog(40, 'forked-').checkpointAt(17);
    expect(() => checkConsistency(log.checkpointAt(17), forked, [])).toThrow(
      expect.objectContaining({ failure: 'fork' }),
    );
  });

  it('detects a fork at a later size: the forked log cannot prove consistency', () => {
    const fork = makeLog(40);
    fork.leaves[5] = hashLeaf(new TextEncoder().encode('rewritten run'));
    const forkRead = nodeReaderFromLeaves((i) => fork.leaves[i] as Uint8Array);
    const latest = fork.checkpointAt(40);
    expect(() => checkConsistency(log.checkpointAt(20), latest, consistencyProof(20, 40, forkRead))).toThrow(
      expect.objectContaining({ failure: 'inconsistent' }),
    );
  });

  it('detects truncation', () => {
    expect(() => checkConsistency(log.checkpointAt(30), log.checkpointAt(29), [])).toThrow(
      expect.objectContaining({ failure: 'truncated' }),
    );
  });

  it('detects a tampered proof and another origin', () => {
    const proof = consistencyProof(10, 40, log.read);
    const bad = proof.map((p, i) => (i === 1 ? p.map((b) => b ^ 1) : p));
    expect(() => checkConsistency(log.checkpointAt(10), log.checkpointAt(40), bad)).toThrow(
      CheckpointConsistencyError,
    );
    expect(() =>
      checkConsistency(log.checkpointAt(10), { ...log.checkpointAt(40), origin: 'other.example/log' }, proof),
    ).toThrow(expect.objectContaining({ failure: 'origin-mismatch' }));
  });
});
