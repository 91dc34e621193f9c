import { describe, expect, it } from 'vitest';
import { bundleIri, encodeIriSegment, nodeIri } from './iri.js';

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
