import oracle from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalize, canonicalizeAsSent } from './canonical-json.js';

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalize (RFC 8785)', () => {
  // RFC 8785 appendix B: IEEE 754 bit patterns and their canonical serialisation.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serialises the number with bits %s as %s', (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected);
  });

  it.each([
    [1e21, '1e+21'],
    [-0, '0'],
    [1e-7, '1e-7'],
    // The RFC's literal has more digits than a double holds; parse it like a JSON reader would.
    [Number('333333333.33333329'), '333333333.3333333'],
    [4.5, '4.5'],
    [0.002, '0.002'],
    [1e30, '1e+30'],
  ])('serialises %d as %s', (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });

  it('reproduces the RFC 8785 section 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',')}}`;
    expect(canonicalize(input)).toBe(expected);
    expect(canonicalize(input)).toBe(oracle(input));
  });

  it('keeps unicode as is and escapes only what JSON requires', () => {
    expect(canonicalize({ b: 'é😀\u2028', a: '\u0000\u001f"\\' })).toBe(
      '{"a":"\\u0000\\u001f\\"\\\\","b":"é😀\u2028"}',
    );
  });

  it('honours toJSON (dates become ISO strings) and nests arrays and objects', () => {
    const value = { when: new Date(Date.UTC(2026, 0, 2)), list: [{ z: 1, a: [] }, {}] };
    expect(canonicalize(value)).toBe('{"list":[{"a":[],"z":1},{}],"when":"2026-01-02T00:00:00.000Z"}');
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it.each([
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      /cyclic structure/,
    ],
    ['BigInt', { n: 1n }, /BigInt/],
    ['NaN', [Number.NaN], /NaN/],
    ['Infinity', { x: Number.POSITIVE_INFINITY }, /Infinity/],
    ['a function', { f: () => 1 }, /function/],
    ['a symbol', Symbol('s'), /symbol/],
    ['undefined', undefined, /undefined/],
    ['an undefined property', { u: undefined }, /undefined/],
    ['a lone surrogate', { k: 'a\ud800b' }, /lone surrogate/],
    ['a lone surrogate key', { '\udc00': 1 }, /lone surrogate/],
  ])('rejects %s with a CanonicalJsonError naming the path', (_label, value, message) => {
    expect(() => canonicalize(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalize(value)).toThrow(message);
    expect(() => canonicalize(value)).toThrow(TypeError);
  });

  it('names the JSON Pointer path of the offending value', () => {
    let caught: unknown;
    try {
      canonicalize({ a: [1, { 'b/c': 10n }] });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CanonicalJsonError);
    expect((caught as CanonicalJsonError).path).toBe('/a/1/b~1c');
    expect((caught as CanonicalJsonError).message).toBe(
      "cannot canonicalise JSON at '/a/1/b~1c': BigInt is not valid JSON",
    );
  });

  it('agrees with the canonicalize npm package on random JSON values', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      'a',
      'B',
      'é',
      '€',
      '😀',
      '\u0000',
      '"',
      '\\',
      '\ufb33',
      '1',
      ' ',
      '\u0080',
      '\r',
      '\ud83d\ude00',
    ];
    const randString = () => {
      let s = '';
      const n = Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      return s;
    };
    const randNumber = () => {
      const kinds = [
        () => Math.floor(rand() * 1000) - 500,
        () => (rand() - 0.5) * 10 ** Math.floor(rand() * 60 - 30),
        () =>
          fromBits(
            `${Math.floor(rand() * 2 ** 32)
              .toString(16)
              .padStart(8, '0')}00000000`,
          ),
      ];
      const n = kinds[Math.floor(rand() * kinds.length)]!();
      return Number.isFinite(n) ? n : 0;
    };
    const randValue = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.3) return [null, true, false][Math.floor(rand() * 3)];
      if (r < 0.5) return randNumber();
      if (r < 0.65) return randString();
      if (r < 0.8) return Array.from({ length: Math.floor(rand() * 4) }, () => randValue(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[randString()] = randValue(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const value = randValue(0);
      expect(canonicalize(value)).toBe(oracle(value));
    }
    // Lone surrogates are rejected by both.
    expect(() => oracle('\ud800')).toThrow();
  });

  it('quotes long strings exactly like JSON.stringify, whatever characters need escaping', () => {
    // Strings of 512+ characters take a search-and-replace path; it must agree byte for byte.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const specials = [
      '\n',
      '"',
      '\\',
      '\t',
      '\r',
      '\b',
      '\f',
      '\u0000',
      '\u0001',
      '\u001f',
      '\u007f',
      '€',
      '😀',
      '\u2028',
    ];
    for (let i = 0; i < 400; i++) {
      const density = [0, 0.001, 0.01, 0.05, 0.3][i % 5] as number;
      const length = 500 + Math.floor(rand() * 3000);
      let text = '';
      for (let j = 0; j < length; j++) {
        text += rand() < density ? (specials[Math.floor(rand() * specials.length)] as string) : 'a';
      }
      expect(canonicalize(text)).toBe(JSON.stringify(text));
      expect(canonicalize({ text })).toBe(oracle({ text }));
    }
    const prompt = `Context:\n${'He said "two approvals" (policy 7.2)\\n. '.repeat(40)}\tEnd`;
    expect(canonicalize(prompt)).toBe(JSON.stringify(prompt));
    expect(canonicalize('x'.repeat(600))).toBe(`"${'x'.repeat(600)}"`);
  });

  it('sorts objects with many keys like the canonicalize npm package', () => {
    const keys = ['b', 'a', 'é', 'A', '€', '10', '1', '😀', '\ufb33', 'aa', 'ab', '', 'Z', '_'];
    for (let n = 1; n <= keys.length; n++) {
      const value = Object.fromEntries(keys.slice(0, n).map((k, i) => [k, i]));
      expect(canonicalize(value)).toBe(oracle(value));
    }
  });

  it('rejects a lone surrogate inside a long string', () => {
    expect(() => canonicalize({ long: `${'x'.repeat(600)}\ud800` })).toThrow(
      /'\/long': string contains a lone surrogate/,
    );
  });
});

describe('canonicalizeAsSent (RFC 8785 of what JSON.stringify sends)', () => {
  it('leaves out undefined, function and symbol properties and writes such array elements as null', () => {
    const message = {
      role: 'user',
      content: 'hi',
      name: undefined,
      f: () => 1,
      [Symbol('s')]: 1,
      s: Symbol('t'),
    };
    expect(canonicalizeAsSent(message)).toBe('{"content":"hi","role":"user"}');
    expect(canonicalizeAsSent([undefined, () => 1, Symbol('s'), 1])).toBe('[null,null,null,1]');
    expect(canonicalizeAsSent({ n: Number.NaN, i: [Number.NEGATIVE_INFINITY] })).toBe(
      '{"i":[null],"n":null}',
    );
    expect(canonicalizeAsSent({ only: undefined })).toBe('{}');
    // The strict form refuses all of these.
    expect(() => canonicalize(message)).toThrow(CanonicalJsonError);
  });

  it('equals canonicalize of JSON.parse(JSON.stringify(value)) on random values with unsendable members', () => {
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const leaves: (() => unknown)[] = [
      () => undefined,
      () => () => 1,
      () => Symbol('x'),
      () => Number.NaN,
      () => Number.POSITIVE_INFINITY,
      () => null,
      () => true,
      () => Math.floor(rand() * 1000) / 7,
      () => 'text "quoted"\n',
      () => new Date(Math.floor(rand() * 2 ** 40)),
      () => 'x\n'.repeat(300),
    ];
    const randValue = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.4) return leaves[Math.floor(rand() * leaves.length)]!();
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => randValue(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[`k${Math.floor(rand() * 8)}`] = randValue(depth + 1);
      return o;
    };
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const value = randValue(0);
      const sent = JSON.stringify(value);
      if (sent === undefined) {
        expect(() => canonicalizeAsSent(value)).toThrow(CanonicalJsonError);
        continue;
      }
      expect(canonicalizeAsSent(value)).toBe(canonicalize(JSON.parse(sent)));
      compared++;
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it('still refuses what JSON.stringify cannot send or UTF-8 cannot carry', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(() => canonicalizeAsSent(o)).toThrow(/cyclic structure/);
    expect(() => canonicalizeAsSent({ n: 1n })).toThrow(/BigInt/);
    expect(() => canonicalizeAsSent({ k: 'a\ud800' })).toThrow(/lone surrogate/);
    expect(() => canonicalizeAsSent(undefined)).toThrow(CanonicalJsonError);
  });
});
