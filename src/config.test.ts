import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('fills in the documented defaults', () => {
    const { tracer, ...config } = resolveConfig({});
    expect(typeof tracer.startSpan).toBe('function');
    expect(config).toEqual({
      pseudonymKey: undefined,
      captureContent: false,
      maxSourcesPerSpan: 64,
      maxContentBytes: 65_536,
      maxCaptureBytes: 4_096,
      maxTrackedArtifacts: 256,
      maxAttributeLength: 1_024,
    });
    expect(DEFAULT_LIMITS.maxSourcesPerSpan).toBe(64);
  });

  it('keeps a private copy of a byte key', () => {
    const key = new Uint8Array(32).fill(1);
    const config = resolveConfig({ pseudonymKey: key });
    key.fill(2);
    expect(config.pseudonymKey).toEqual(new Uint8Array(32).fill(1));
  });

  it('accepts a per-subject key resolver and zero limits', () => {
    const resolver = () => undefined;
    const config = resolveConfig({ pseudonymKey: resolver, maxSourcesPerSpan: 0, captureContent: true });
    expect(config.pseudonymKey).toBe(resolver);
    expect(config.maxSourcesPerSpan).toBe(0);
    expect(config.captureContent).toBe(true);
  });
});
