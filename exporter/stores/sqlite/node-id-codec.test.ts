import { describe, expect, it } from 'vitest';
import { decodeNodeId, encodeNodeId } from './node-id-codec.js';

describe('node id codec', () => {
  const run = 'a'.repeat(32);
  it.each([
    [`ds:${run}:0123456789abcdef:3`, run],
    [`run:${run}`, run],
    [`mi:${run}x:span`, run],
    [`mi:${run}`, `${run}x`],
    ['\u0001ds:x', run],
    ['\u0002y', run],
    ['no-colon', run],
    [':leading', ''],
    [`x:${run}:`, run],
    ["q'\u0000:r:1", 'r'],
  ])('round-trips %j in run %j', (id, runId) => {
    expect(decodeNodeId(encodeNodeId(id, runId), runId)).toBe(id);
  });
  it('elides the run id from well-formed ids', () => {
    expect(encodeNodeId(`ds:${run}:s:1`, run)).toBe('\u0001ds:s:1');
  });
});
