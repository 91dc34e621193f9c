import { describe, expect, it } from 'vitest';
import { clampWindow, runInScope } from './auditor-scope.js';
import type { Principal } from './principal.js';

const auditor = (scope: Principal['scope']): Principal => ({
  keyId: 'a',
  role: 'auditor',
  ...(scope ? { scope } : {}),
});

describe('runInScope', () => {
  it('leaves engineering and compliance unscoped', () => {
    expect(runInScope({ keyId: 'e', role: 'engineering' }, 'r', undefined)).toBe(true);
    expect(runInScope({ keyId: 'c', role: 'compliance' }, 'r', undefined)).toBe(true);
  });

  it('denies an auditor without a scope (default deny)', () => {
    expect(runInScope(auditor(undefined), 'r', 5)).toBe(false);
  });

  it('needs both the run list and the window when both are given; bounds are inclusive', () => {
    const p = auditor({ runs: ['r1'], fromMs: 10, toMs: 20 });
    expect(runInScope(p, 'r1', 10)).toBe(true);
    expect(runInScope(p, 'r1', 20)).toBe(true);
    expect(runInScope(p, 'r1', 21)).toBe(false);
    expect(runInScope(p, 'r2', 15)).toBe(false);
    expect(runInScope(p, 'r1', undefined)).toBe(false);
    expect(runInScope(auditor({ runs: ['r1'] }), 'r1', undefined)).toBe(true);
    expect(runInScope(auditor({ fromMs: 10 }), 'rx', 11)).toBe(true);
  });
});

describe('clampWindow', () => {
  it('intersects the requested window with the scope window', () => {
    expect(clampWindow(undefined, undefined, undefined)).toEqual({});
    expect(clampWindow({ fromMs: 10, toMs: 20 }, 5, 15)).toEqual({ fromMs: 10, toMs: 15 });
    expect(clampWindow({ fromMs: 10 }, undefined, 30)).toEqual({ fromMs: 10, toMs: 30 });
    expect(clampWindow({ fromMs: 10, toMs: 20 }, 25, 30)).toBeUndefined();
  });
});
