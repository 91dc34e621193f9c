import { describe, expect, it } from 'vitest';
import type { MappedBatch } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { frameworkProviderRun } from './test-support/framework-provider-run.js';
import { genAiRun } from './test-support/gen-ai-run.js';
import { openInferenceRun } from './test-support/openinference-run.js';
import { openLlmetryRun } from './test-support/openllmetry-run.js';
import { ownDialectRun } from './test-support/own-dialect-run.js';

/** Moves a fixture run to its own trace id (every fixture starts from the same counter). */
function retrace(views: SpanView[], traceId: string): SpanView[] {
  const old = views[0]?.traceId;
  return views.map((v) => ({
    ...v,
    traceId,
    links: v.links.map((l) => (l.traceId === old ? { ...l, traceId } : l)),
  }));
}

const ALL: SpanView[] = [
  ...retrace(ownDialectRun(), '1'.repeat(32)),
  ...retrace(genAiRun(), '2'.repeat(32)),
  ...retrace(openInferenceRun(), '3'.repeat(32)),
  ...retrace(openLlmetryRun(), '4'.repeat(32)),
  // Held (framework-level) invocations: covered by provider spans, and released without them.
  ...retrace(frameworkProviderRun(), '5'.repeat(32)),
  ...retrace(frameworkProviderRun({ provider: false }), '6'.repeat(32)),
];

/** Small seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function split<T>(items: readonly T[], random: () => number): T[][] {
  const batches: T[][] = [[]];
  for (const item of items) {
    if (random() < 0.3) batches.push([]);
    batches[batches.length - 1]?.push(item);
  }
  return batches;
}

/** The union of several batches as a store would hold it: one record per id, sorted. */
function union(batches: readonly MappedBatch[]) {
  const by = <T>(items: readonly T[], key: (t: T) => string) =>
    [...new Map(items.map((i) => [key(i), i])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, v]) => v);
  return {
    spans: by(
      batches.flatMap((b) => b.spans),
      (s) => `${s.runId}:${s.spanId}`,
    ),
    nodes: by(
      batches.flatMap((b) => b.nodes),
      (n) => n.id,
    ),
    edges: by(
      batches.flatMap((b) => b.edges),
      (e) => e.id,
    ),
    links: by(
      batches.flatMap((b) => b.links),
      (l) => l.id,
    ),
  };
}

describe('mapping is idempotent and order-independent', () => {
  const reference = mapSpans(ALL, { captureContent: false });
  const referenceUnion = union([reference]);
  const referenceInferred = inferRunEdges({
    spans: [...reference.spans],
    nodes: [...reference.nodes],
    edges: [...reference.edges],
  });

  it('maps the six fixture runs without rejections', () => {
    expect(reference.rejected).toEqual([]);
    expect(new Set(reference.spans.map((s) => s.runId)).size).toBe(6);
  });

  it('gives the same records when a batch is delivered twice', () => {
    expect(mapSpans([...ALL, ...ALL], { captureContent: false })).toEqual(reference);
    expect(union([reference, mapSpans(ALL, { captureContent: false })])).toEqual(referenceUnion);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])(
    'gives the same graph for spans shuffled and split over batches (seed %i)',
    (seed) => {
      const random = rng(seed);
      const batches = split(shuffle(ALL, random), random).map((views) =>
        mapSpans(views, { captureContent: false }),
      );
      const merged = union(batches);
      expect(merged).toEqual(referenceUnion);
      // Inference over the merged store, in any order, gives the same inferred records.
      const inferred = inferRunEdges({
        spans: shuffle(merged.spans, random),
        nodes: shuffle(merged.nodes, random),
        edges: shuffle(merged.edges, random),
      });
      expect(inferred).toEqual(referenceInferred);
    },
  );

  it('inference is idempotent: running it over its own output adds nothing', () => {
    const again = inferRunEdges({
      spans: [...reference.spans],
      nodes: [...reference.nodes, ...referenceInferred.nodes],
      edges: [...reference.edges, ...referenceInferred.edges],
    });
    expect(again).toEqual({ nodes: [], edges: [] });
  });
});
