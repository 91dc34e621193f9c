import { describe, expect, it } from 'vitest';
import {
  anyFrameworkModelCallOpen,
  isFrameworkModelCall,
  MAX_OPEN_FRAMEWORK_MODEL_CALLS,
  openFrameworkModelCall,
} from './framework-model-calls.js';
import { sha256Json } from './hashing/sha256.js';

const A = sha256Json([{ role: 'user', content: 'a' }]);
const B = sha256Json([{ role: 'user', content: 'b' }]);

describe('framework model calls', () => {
  it('knows a call by operation and input hash only while it is open', () => {
    expect(anyFrameworkModelCallOpen()).toBe(false);
    const close = openFrameworkModelCall('chat', A);
    expect(anyFrameworkModelCallOpen()).toBe(true);
    expect(isFrameworkModelCall('chat', A)).toBe(true);
    expect(isFrameworkModelCall('chat', B)).toBe(false);
    expect(isFrameworkModelCall('text_completion', A)).toBe(false);
    close();
    expect(isFrameworkModelCall('chat', A)).toBe(false);
    expect(anyFrameworkModelCallOpen()).toBe(false);
  });

  it('keeps a key open until every concurrent identical call has closed, and a second close changes nothing', () => {
    const first = openFrameworkModelCall('chat', A);
    const second = openFrameworkModelCall('chat', A);
    first();
    first();
    expect(isFrameworkModelCall('chat', A)).toBe(true);
    second();
    expect(isFrameworkModelCall('chat', A)).toBe(false);
    expect(anyFrameworkModelCallOpen()).toBe(false);
  });

  it('stops registering new keys when full (both spans are then recorded) and shares one registry per process', () => {
    const closes = Array.from({ length: MAX_OPEN_FRAMEWORK_MODEL_CALLS }, (_, i) =>
      openFrameworkModelCall('chat', `hash-${i}`),
    );
    const registry = (globalThis as Record<symbol, unknown>)[
      Symbol.for('agent-lineage.framework-model-calls.v1')
    ];
    expect(registry).toBeInstanceOf(Map);
    expect((registry as Map<string, number>).size).toBe(MAX_OPEN_FRAMEWORK_MODEL_CALLS);
    const refused = openFrameworkModelCall('chat', A);
    expect(isFrameworkModelCall('chat', A)).toBe(false);
    refused();
    // An already open key still counts further identical calls.
    const again = openFrameworkModelCall('chat', 'hash-0');
    for (const close of closes) close();
    expect(isFrameworkModelCall('chat', 'hash-0')).toBe(true);
    again();
    expect(anyFrameworkModelCallOpen()).toBe(false);
  });
});
