import { describe, expect, it } from 'vitest';
import { archiveKey, MAX_COMPONENT_LENGTH, parseKeyPath, sanitiseKeyComponent } from './archive-key.js';

const START = Date.UTC(2026, 10, 24, 23, 59, 59);
const HOSTILE = [
  '',
  '.',
  '..',
  '...',
  '../',
  '../../etc/passwd',
  '..\\..\\windows',
  '/abs/path',
  'a/b',
  'a\\b',
  'nul\u0000byte',
  'line\nbreak',
  '\u202eevil\u202c',
  'caf\u00e9',
  'cafe\u0301',
  '\u2215fake-slash',
  '%2e%2e',
  '%2F',
  '~empty',
  '.hidden',
  'CON',
  'x'.repeat(5000),
  `${'é'.repeat(300)}`,
];

describe('sanitiseKeyComponent', () => {
  it('keeps ordinary ids readable', () => {
    expect(sanitiseKeyComponent('loan-agent_v1.2')).toBe('loan-agent_v1.2');
    expect(sanitiseKeyComponent('4bf92f3577b34da6a3ce929d0e0e4736', true)).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it('never yields a separator, NUL, control char, dot segment, hidden name or overlong component', () => {
    for (const value of HOSTILE) {
      for (const allDots of [false, true]) {
        const s = sanitiseKeyComponent(value, allDots);
        expect(s).toMatch(/^[A-Za-z0-9._%~-]+$/);
        expect(s.startsWith('.')).toBe(false);
        expect(s.length).toBeLessThanOrEqual(MAX_COMPONENT_LENGTH);
        expect(() => parseKeyPath(s, false)).not.toThrow();
      }
    }
  });

  it('is injective over hostile and look-alike inputs', () => {
    const seen = new Map<string, string>();
    for (const value of [...HOSTILE, 'x'.repeat(4999), `${'x'.repeat(4999)}y`, 'A', 'a']) {
      const s = sanitiseKeyComponent(value);
      expect(seen.get(s) ?? value).toBe(value);
      seen.set(s, value);
    }
  });

  it('escapes percent so an escaped-looking id cannot alias another id', () => {
    expect(sanitiseKeyComponent('%2F')).not.toBe(sanitiseKeyComponent('/'));
    expect(sanitiseKeyComponent('/')).toBe('%2F');
  });

  it('truncates with a hash suffix without splitting an escape', () => {
    const s = sanitiseKeyComponent(`${'a'.repeat(85)}/${'b'.repeat(200)}`);
    expect(s).toMatch(/^a{85}(%2F)?~[0-9a-f]{32}$/);
  });
});

describe('archiveKey', () => {
  it('builds {yyyy}/{mm}/{dd}/{agent}/{run}.jsonld from the UTC run start', () => {
    expect(archiveKey({ runId: 'r1', agentId: 'loan-agent', runStartMs: START, sequence: 0 })).toBe(
      '2026/11/24/loan-agent/r1.jsonld',
    );
    expect(archiveKey({ runId: 'r1', agentId: 'loan-agent', runStartMs: START, sequence: 3 })).toBe(
      '2026/11/24/loan-agent/r1.3.jsonld',
    );
  });

  it('keeps a dotted run id apart from a supplementary bundle', () => {
    const a = archiveKey({ runId: 'r1.3', agentId: 'a', runStartMs: START, sequence: 0 });
    const b = archiveKey({ runId: 'r1', agentId: 'a', runStartMs: START, sequence: 3 });
    expect(a).not.toBe(b);
  });

  it('always has exactly five safe segments for hostile ids', () => {
    for (const agentId of HOSTILE) {
      for (const runId of HOSTILE) {
        const key = archiveKey({ runId, agentId, runStartMs: START, sequence: 1 });
        expect(parseKeyPath(key, false)).toHaveLength(5);
      }
    }
  });

  it('rejects unusable times and sequences', () => {
    for (const runStartMs of [Number.NaN, Number.POSITIVE_INFINITY, -1, 8.64e15 + 1, Date.UTC(10000, 0, 1)]) {
      expect(() => archiveKey({ runId: 'r', agentId: 'a', runStartMs, sequence: 0 })).toThrow(RangeError);
    }
    for (const sequence of [-1, 1.5, Number.NaN]) {
      expect(() => archiveKey({ runId: 'r', agentId: 'a', runStartMs: START, sequence })).toThrow(RangeError);
    }
  });
});

describe('parseKeyPath', () => {
  it('refuses traversal, absolute, hidden and odd keys', () => {
    for (const key of [
      '../x',
      'a/../b',
      '/etc/passwd',
      'a//b',
      './a',
      'a/.tmp',
      'a\\b',
      'a\u0000b',
      'a/b/',
      '',
    ]) {
      expect(() => parseKeyPath(key, false)).toThrow(RangeError);
    }
    expect(parseKeyPath('', true)).toEqual([]);
  });
});
