import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleJsonEscape } from '../../tools/generate-json-escape-wasm.js';
import { canonicalDigest } from './canonical-bytes.js';
import { CanonicalJsonError, canonicalize, canonicalizeAsSent } from './canonical-json.js';
import { JSON_ESCAPE_WASM_BASE64 } from './json-escape-wasm.js';
import { sha256Json, sha256JsonAsSent, sha256Text } from './sha256.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What the string path (the definition) gives: hash and UTF-8 size, or the error it throws. */
function stringPath(value: unknown, sent: boolean): { sha256: string; size: number } | { error: unknown } {
  try {
    const json = sent ? canonicalizeAsSent(value) : canonicalize(value);
    return { sha256: sha256Text(json), size: Buffer.byteLength(json, 'utf8') };
  } catch (error) {
    return { error };
  }
}

/** The fast path agrees with the string path: same bytes, or it declines where the string path throws. */
function expectSameAsStringPath(value: unknown): void {
  for (const sent of [false, true]) {
    const expected = stringPath(value, sent);
    const fast = canonicalDigest(value, sent);
    if ('error' in expected) expect(fast).toBeUndefined();
    else expect(fast).toEqual(expected);
  }
}

/** Mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Everything escaping treats differently: controls, '"', '\', DEL, Latin-1, BMP, astral pairs.
const CHARS = [
  ...Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)),
  '"',
  '\\',
  '/',
  '\u007f',
  'a',
  'Z',
  ' ',
  'é',
  'ÿ',
  '€',
  '日',
  '\u2028',
  '\ufeff',
  '😀',
  '𝄞',
];

function randomString(next: () => number, maxLength: number): string {
  const length = Math.floor(next() * maxLength);
  let out = '';
  // Mostly plain text with the odd special character, as in prompts; sometimes dense.
  const density = next() < 0.5 ? 0.02 : 0.5;
  for (let i = 0; i < length; i++) {
    out +=
      next() < density
        ? (CHARS[Math.floor(next() * CHARS.length)] as string)
        : String.fromCharCode(0x61 + Math.floor(next() * 26));
  }
  return out;
}

function randomValue(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 3 || pick < 0.35) return randomString(next, next() < 0.8 ? 40 : 300);
  if (pick < 0.45)
    return [0, -0, 1e21, 5e-324, 0.1, -1.5e-7, 42, Number.MAX_SAFE_INTEGER][Math.floor(next() * 8)];
  if (pick < 0.5) return [true, false, null][Math.floor(next() * 3)];
  if (pick < 0.55)
    return [undefined, () => 1, Symbol('s'), Number.NaN, new Date(next() * 1e12)][Math.floor(next() * 5)];
  if (pick < 0.75) return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
  const record: Record<string, unknown> = {};
  const size = Math.floor(next() * 12);
  for (let i = 0; i < size; i++)
    record[randomString(next, next() < 0.9 ? 8 : 90)] = randomValue(next, depth + 1);
  return record;
}

describe('canonicalDigest (the byte path of sha256Json / sha256JsonAsSent)', () => {
  it('gives the bytes of canonicalize / canonicalizeAsSent for 3,000 generated values (seeded)', () => {
    const next = random(20261125);
    for (let i = 0; i < 3000; i++) expectSameAsStringPath(randomValue(next, 0));
  });

  it('escapes every ASCII character and a multi-byte one at every offset around the 16- and 32-byte blocks', () => {
    for (let code = 0; code < 0x80; code++) {
      for (const length of [1, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 97]) {
        for (let at = 0; at < length; at += length > 40 ? 7 : 1) {
          const text = `${'x'.repeat(at)}${String.fromCharCode(code)}${'y'.repeat(length - at - 1)}`;
          expect(canonicalDigest(text, false)?.sha256).toBe(sha256Text(JSON.stringify(text)));
        }
      }
    }
    const wide = `${'é'.repeat(40)}"${'😀'.repeat(20)}\n`;
    expect(canonicalDigest({ wide }, true)).toEqual(stringPath({ wide }, true));
  });

  it('hashes a typical chat request exactly like the string path', () => {
    const prompt = `Context:\n${'Fixed-rate loans above 50k need two approvals (policy 7.2). '.repeat(70)}\nQuestion?`;
    const messages = [
      { role: 'system', content: 'You are careful.', name: undefined },
      { role: 'user', content: prompt },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":"b"}' } }],
      },
    ];
    expect(sha256JsonAsSent(messages)).toBe(sha256Text(canonicalizeAsSent(messages)));
    expect(canonicalDigest(messages, true)).toEqual(stringPath(messages, true));
  });

  it('grows for a large document, then gives the grown memory back; beyond 64 MiB it takes the string path', () => {
    const big = { text: `${'a"b\n'.repeat(500_000)}€` };
    expect(canonicalDigest(big, false)).toEqual(stringPath(big, false));
    // The next call works on a fresh, small buffer.
    expect(canonicalDigest({ after: 'ok' }, false)).toEqual(stringPath({ after: 'ok' }, false));
    // Room for the worst case of a 12M-unit string is over 64 MiB: declined, the string path hashes it.
    const huge = 'x'.repeat(12_000_000);
    expect(canonicalDigest(huge, false)).toBeUndefined();
    expect(sha256Json(huge)).toBe(sha256Text(`"${huge}"`));
  });

  it('declines what has no canonical form, and sha256Json throws the string path’s error with its path', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const cases: unknown[] = [
      cyclic,
      { n: 10n },
      { s: 'lone \ud800 surrogate' },
      { 'key \udc00': 1 },
      [Number.POSITIVE_INFINITY],
      { u: undefined },
      undefined,
      () => 1,
    ];
    for (const value of cases) {
      expect(canonicalDigest(value, false)).toBeUndefined();
      let thrown: unknown;
      try {
        sha256Json(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CanonicalJsonError);
      expect((thrown as CanonicalJsonError).message).toBe(
        (stringPath(value, false) as { error: Error }).error.message,
      );
    }
  });

  it('reads values the way the string path does when getters change them mid-way', () => {
    // A fresh value per path: the getters mutate what they belong to.
    const growingArray = () => {
      const list: unknown[] = ['a'];
      Object.defineProperty(list, 0, {
        enumerable: true,
        get() {
          list.push('pushed while read');
          return 'first';
        },
      });
      return list;
    };
    const shrinkingRecord = () => {
      const record: Record<string, unknown> = { b: 'kept' };
      Object.defineProperty(record, 'a', {
        enumerable: true,
        get() {
          delete record.b;
          return 'first';
        },
      });
      return record;
    };
    const proxied = () => new Proxy({ z: 1, y: [true] }, {});
    for (const make of [growingArray, shrinkingRecord, proxied]) {
      for (const sent of [false, true]) {
        const expected = stringPath(make(), sent);
        const fast = canonicalDigest(make(), sent);
        if ('error' in expected) expect(fast).toBeUndefined();
        else expect(fast).toEqual(expected);
      }
    }
  });

  it('a getter or toJSON that throws reaches the caller unchanged, as on the string path', () => {
    const failure = new Error('getter failed');
    const value = {
      get content(): string {
        throw failure;
      },
    };
    expect(canonicalDigest(value, true)).toBeUndefined();
    expect(() => sha256JsonAsSent(value)).toThrow(failure);
  });

  it('a toJSON that hashes while the buffer is in use gets the right hash, and so does the outer value', () => {
    const inner = { deep: 'inner "value"\n'.repeat(10) };
    let innerHash: string | undefined;
    const outer = {
      a: 'before',
      b: {
        toJSON() {
          innerHash = sha256Json(inner);
          return { nested: innerHash };
        },
      },
      c: 'after\t'.repeat(20),
    };
    const hashed = sha256Json(outer);
    expect(innerHash).toBe(sha256Text(canonicalize(inner)));
    expect(hashed).toBe(sha256Text(canonicalize(outer)));
  });

  it('hashes by the string path where WebAssembly is unavailable (node --jitless), with the same results', () => {
    const script = `
      import { sha256Json, sha256JsonAsSent } from './src/hashing/sha256.ts';
      import { canonicalDigest } from './src/hashing/canonical-bytes.ts';
      const value = { b: ['x\\n"y', 1.5, null], a: 'é😀' };
      console.log(JSON.stringify([typeof WebAssembly, canonicalDigest(value, false) === undefined, sha256Json(value), sha256JsonAsSent([{ c: undefined }])]));
    `;
    const out = execFileSync(
      process.execPath,
      ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    const [wasm, declined, json, sent] = JSON.parse(out) as [string, boolean, string, string];
    expect(wasm).toBe('undefined');
    expect(declined).toBe(true);
    expect(json).toBe(sha256Text(canonicalize({ b: ['x\n"y', 1.5, null], a: 'é😀' })));
    expect(sent).toBe(sha256Text('[{}]'));
  });

  it('json-escape-wasm.ts is json-escape.wat assembled (run npm run wasm:generate when this fails)', async () => {
    const bytes = await assembleJsonEscape();
    expect(Buffer.from(bytes).toString('base64')).toBe(JSON_ESCAPE_WASM_BASE64);
  });
});
