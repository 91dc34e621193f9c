import { describe, expect, it } from 'vitest';
import { asSha256, sha256Text } from './content-hash.js';

describe('asSha256', () => {
  const hex = sha256Text('chunk');

  it('accepts 64 lowercase hex digits as they are and lowercases uppercase ones', () => {
    expect(asSha256(hex)).toBe(hex);
    expect(asSha256(hex.toUpperCase())).toBe(hex);
  });

  it('refuses anything else', () => {
    for (const bad of [
      hex.slice(1),
      `${hex}0`,
      `${hex.slice(0, 63)}g`,
      `${hex.slice(0, 63)}é`,
      `${hex.slice(0, 62)}😀`,
      ` ${hex.slice(1)}`,
      '',
      42,
      undefined,
      null,
      [hex],
    ]) {
      expect(asSha256(bad)).toBeUndefined();
    }
  });
});
