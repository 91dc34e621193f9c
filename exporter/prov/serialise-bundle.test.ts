import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runGraphToProvBundle } from './run-graph-to-prov-bundle.js';
import { serialiseBundle } from './serialise-bundle.js';
import { ragRun } from './test-support/run-graph-fixtures.js';

const opts = { includeContent: true, sequence: 0, generatedAtMs: Date.UTC(2026, 10, 24, 10) };

describe('serialiseBundle', () => {
  it('writes RFC 8785 canonical JSON: sorted keys, no whitespace, round-trips to the document', () => {
    const doc = runGraphToProvBundle(ragRun().graph, opts);
    const text = new TextDecoder().decode(serialiseBundle(doc));
    expect(text.startsWith('{"@context":{"lin":')).toBe(true);
    expect(text).not.toMatch(/\n|": |, "/);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('gives a reproducible SHA-256 for the same run graph', () => {
    const hash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const a = hash(serialiseBundle(runGraphToProvBundle(ragRun().graph, opts)));
    const b = hash(serialiseBundle(runGraphToProvBundle(ragRun().graph, opts)));
    expect(a).toBe(b);
    expect(
      hash(serialiseBundle(runGraphToProvBundle(ragRun().graph, { ...opts, generatedAtMs: 0 }))),
    ).not.toBe(a);
  });
});
