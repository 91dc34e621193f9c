import { describe, expect, it } from 'vitest';
import {
  type BundleLeaf,
  decodeLogLeaf,
  encodeLogLeaf,
  type LogLeaf,
  LogLeafError,
  logLeafHash,
} from './log-leaf.js';
import { hashLeaf } from './merkle.js';

const bundle: BundleLeaf = {
  type: 'bundle',
  runId: '4bf92f3577b34da6a3ce929d0e0e4736',
  bundleSha256: 'a'.repeat(64),
  archiveKey: '2026/11/24/loan-agent/4bf92f3577b34da6a3ce929d0e0e4736.jsonld',
  sequence: 0,
};

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('log leaf encoding', () => {
  it('encodes a bundle leaf as RFC 8785 canonical JSON (sorted keys, no whitespace)', () => {
    expect(text(encodeLogLeaf(bundle))).toBe(
      '{"archiveKey":"2026/11/24/loan-agent/4bf92f3577b34da6a3ce929d0e0e4736.jsonld",' +
        `"bundleSha256":"${'a'.repeat(64)}","runId":"4bf92f3577b34da6a3ce929d0e0e4736","sequence":0,"type":"bundle"}`,
    );
  });

  it('is independent of property order and round-trips every leaf type', () => {
    const leaves: LogLeaf[] = [
      bundle,
      { ...bundle, archiveVersion: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', sequence: 2 },
      { type: 'tombstone', surrogate: 'sub_6f1c2a', erasedAt: '2026-11-24T12:00:00.000Z' },
      { type: 'access', entryId: 'acc-17', at: '2026-11-24T12:00:01Z', entrySha256: 'b'.repeat(64) },
    ];
    for (const leaf of leaves) {
      const reordered = Object.fromEntries(Object.entries(leaf).reverse()) as LogLeaf;
      expect(encodeLogLeaf(reordered)).toEqual(encodeLogLeaf(leaf));
      expect(decodeLogLeaf(encodeLogLeaf(leaf))).toEqual(leaf);
      expect(logLeafHash(leaf)).toEqual(hashLeaf(encodeLogLeaf(leaf)));
    }
  });

  it('gives different hashes for leaves that differ in one field', () => {
    expect(logLeafHash(bundle)).not.toEqual(logLeafHash({ ...bundle, sequence: 1 }));
    expect(logLeafHash(bundle)).not.toEqual(logLeafHash({ ...bundle, bundleSha256: 'b'.repeat(64) }));
  });

  it('rejects invalid leaves', () => {
    const bad: unknown[] = [
      { ...bundle, runId: '4BF92F3577B34DA6A3CE929D0E0E4736' }, // upper case
      { ...bundle, bundleSha256: 'a'.repeat(63) },
      { ...bundle, sequence: -1 },
      { ...bundle, sequence: 1.5 },
      { ...bundle, archiveKey: '' },
      { ...bundle, extra: 1 }, // unknown field
      { ...bundle, type: 'run' },
      { type: 'tombstone', surrogate: 'x', erasedAt: '2026-11-24 12:00:00' },
      { type: 'access', entryId: 'a', at: '2026-11-24T12:00:00Z' }, // missing hash
    ];
    for (const leaf of bad)
      expect(() => encodeLogLeaf(leaf as LogLeaf), JSON.stringify(leaf)).toThrow(LogLeafError);
  });

  it('rejects leaf bytes that are not the canonical encoding', () => {
    const canonical = text(encodeLogLeaf(bundle));
    const pretty = JSON.stringify(JSON.parse(canonical), null, 2);
    const reordered = JSON.stringify({ type: 'bundle', ...JSON.parse(canonical) });
    for (const t of [pretty, reordered, `${canonical} `]) {
      expect(() => decodeLogLeaf(new TextEncoder().encode(t))).toThrow(/canonical/);
    }
    expect(() => decodeLogLeaf(new Uint8Array([0xff]))).toThrow(LogLeafError);
    expect(() => decodeLogLeaf(new TextEncoder().encode('{"type":"bundle"}'))).toThrow(LogLeafError);
  });
});
