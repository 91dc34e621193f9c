import { describe, expect, it } from 'vitest';
import { bundleIri, encodeIriSegment, escapeByCharacter, nodeIri } from './iri.js';

describe('encodeIriSegment', () => {
  it('keeps node-id characters and escapes the rest as UTF-8 percent escapes', () => {
    expect(encodeIriSegment('mi:4bf9:00f0')).toBe('mi:4bf9:00f0');
    expect(encodeIriSegment('a/b c#d?e%f~g')).toBe('a%2Fb%20c%23d%3Fe%25f%7Eg');
    expect(encodeIriSegment('é\u0000')).toBe('%C3%A9%00');
  });

  it('never yields an empty or dot segment', () => {
    expect(encodeIriSegment('')).toBe('~');
    expect(encodeIriSegment('.')).toBe('%2E');
    expect(encodeIriSegment('..')).toBe('%2E%2E');
  });

  it('escapes exactly as the per-character definition, for every ASCII character and mixed Unicode', () => {
    const samples: string[] = [];
    for (let code = 0; code < 128; code++) samples.push(`x${String.fromCharCode(code)}y`);
    samples.push(
      'tool_call:abc>mi:def:0',
      "!~*'()",
      '%3A:%3a',
      'naïve 日本語 🚀',
      'a\u{10FFFF}b',
      'lone \ud800 surrogate',
      'trail \udc00',
    );
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      let text = '';
      for (let j = 0; j < 12; j++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        // Mostly ASCII, some Latin-1, BMP, astral code points and lone surrogates.
        const pick = seed % 10;
        const code =
          pick < 6
            ? seed % 128
            : pick < 7
              ? 128 + (seed % 128)
              : pick < 8
                ? 0x4e00 + (seed % 500)
                : pick < 9
                  ? 0x1f600 + (seed % 50)
                  : 0xd800 + (seed % 0x800);
        text += String.fromCodePoint(code);
      }
      samples.push(text);
    }
    for (const sample of samples) {
      const expected = escapeByCharacter(sample);
      expect(encodeIriSegment(sample), JSON.stringify(sample)).toBe(expected === '' ? '~' : expected);
    }
  });

  it('is injective over look-alikes', () => {
    const inputs = ['', '~', '%7E', '.', '%2E', '..', 'a/b', 'a%2Fb', 'cafe\u0301', 'caf\u00e9'];
    expect(new Set(inputs.map(encodeIriSegment)).size).toBe(inputs.length);
  });
});

describe('minted IRIs', () => {
  it('are stable functions of ids', () => {
    expect(nodeIri('run:abc')).toBe('https://agent-lineage.dev/id/node/run:abc');
    expect(bundleIri('abc', 0)).toBe('https://agent-lineage.dev/id/bundle/abc/0');
    expect(bundleIri('../x', 3)).toBe('https://agent-lineage.dev/id/bundle/..%2Fx/3');
  });
});
