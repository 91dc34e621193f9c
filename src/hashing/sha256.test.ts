import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { digestContent, sha256Bytes, sha256Json, sha256Text } from './sha256.js';
import { digestStream } from './stream-hash.js';

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('sha256', () => {
  it('hashes text as UTF-8 and bytes as-is (FIPS 180-2 vectors)', () => {
    expect(sha256Text('abc')).toBe(ABC);
    expect(sha256Text('')).toBe(EMPTY);
    expect(sha256Bytes(new TextEncoder().encode('abc'))).toBe(ABC);
    expect(sha256Text('é')).toBe(sha256Bytes(Uint8Array.of(0xc3, 0xa9)));
  });

  it('hashes structured values as canonical JSON, independent of key order', () => {
    expect(sha256Json({ b: 1, a: [1, 2] })).toBe(sha256Json({ a: [1, 2], b: 1 }));
    expect(sha256Json({ a: [1, 2], b: 1 })).toBe(sha256Text('{"a":[1,2],"b":1}'));
  });

  it('digests content by type and reports its byte size', () => {
    expect(digestContent('abc')).toEqual({ sha256: ABC, size: 3 });
    expect(digestContent('€')).toEqual({ sha256: sha256Text('€'), size: 3 });
    expect(digestContent(Uint8Array.of(1, 2))).toEqual({ sha256: sha256Bytes(Uint8Array.of(1, 2)), size: 2 });
    expect(digestContent({ a: 1 })).toEqual({ sha256: sha256Text('{"a":1}'), size: 7 });
  });

  it('streams Readable, async iterables and mixed text/byte chunks to the same digest', async () => {
    const big = `${'x'.repeat(100_000)}€`;
    const expected = digestContent(big);
    expect(await digestStream(Readable.from([Buffer.from(big.slice(0, 50_000)), big.slice(50_000)]))).toEqual(
      expected,
    );
    async function* gen() {
      yield new TextEncoder().encode(big.slice(0, 7));
      yield big.slice(7);
    }
    expect(await digestStream(gen())).toEqual(expected);
    expect(await digestStream([])).toEqual({ sha256: EMPTY, size: 0 });
  });

  it('rejects chunks that are neither bytes nor text', async () => {
    await expect(digestStream([1 as unknown as string])).rejects.toThrow(/neither a Uint8Array nor a string/);
  });
});
