/**
 * Contract of the GraphStore's content-event methods (GenAI content from OTLP log records,
 * merged at finalisation), written against the port so every adapter runs it.
 */
import { describe, expect, it } from 'vitest';
import type { ContentEvent } from '../logs/content-event.js';
import { contentFreeRun } from '../logs/test-support/official-content-logs.js';
import type { LineageNode } from '../model/lineage-record.js';
import type { GraphStore } from '../ports/graph-store.js';

function event(runId: string, spanId: string, timeNs: number, text: string, key = `k-${text}`): ContentEvent {
  return {
    runId,
    spanId,
    timeNs: String(timeNs).padStart(20, '0'),
    key,
    input: [{ role: 'user', content: text }],
    output: [],
  };
}

/** Defines the contract suite for one adapter. `reopen` closes and reopens the same store (durability). */
export function describeContentEventsContract(
  name: string,
  makeStore: () => Promise<GraphStore>,
  reopen: (store: GraphStore) => Promise<GraphStore>,
): void {
  describe(`GraphStore content events contract: ${name}`, () => {
    const { batch } = contentFreeRun();
    const runId = batch.spans[0]!.runId;
    const chat = batch.nodes.find((n) => n.kind === 'ModelInvocation') as LineageNode;

    it('keeps events for a run it has not seen yet, durably, ordered by span, time, then arrival', async () => {
      let store = await makeStore();
      const a = event(runId, chat.spanId, 2, 'second-time');
      const b = event(runId, chat.spanId, 1, 'z-first-time');
      const c = event(runId, chat.spanId, 1, 'a-same-time-later');
      expect(await store.writeContentEvents([a, b], 10)).toEqual({ written: 2, late: [] });
      expect(await store.writeContentEvents([c], 11)).toEqual({ written: 1, late: [] });
      store = await reopen(store);
      expect((await store.contentEvents(runId)).map((e) => e.key)).toEqual([b.key, c.key, a.key]);
      expect(await store.contentEvents('f'.repeat(32))).toEqual([]);
      await store.close();
    });

    it('is idempotent by key: a re-delivered event is not stored twice', async () => {
      const store = await makeStore();
      const e = event(runId, chat.spanId, 1, 'once');
      await store.writeContentEvents([e], 10);
      expect(await store.writeContentEvents([e, e], 11)).toEqual({ written: 0, late: [] });
      expect(await store.contentEvents(runId)).toEqual([e]);
      await store.close();
    });

    it('content for a known run restarts its settle window', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      expect(await store.runsToFinalise(2_000, 500, 10)).toEqual([runId]);
      await store.writeContentEvents([event(runId, chat.spanId, 1, 'late-ish')], 1_900);
      expect(await store.runsToFinalise(2_000, 500, 10)).toEqual([]);
      expect(await store.runsToFinalise(2_400, 500, 10)).toEqual([runId]);
      await store.close();
    });

    it('replaces invocations and span records of an open run and drops its events, in one step', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      await store.writeContentEvents([event(runId, chat.spanId, 1, 'x')], 1_001);
      const amended: LineageNode = { ...chat, props: { ...chat.props, outputSha256: 'a'.repeat(64) } };
      const span = batch.spans.find((s) => s.spanId === chat.spanId)!;
      await store.replaceWithContent(runId, {
        nodes: [amended],
        spans: [{ ...span, consumedToolCallIds: ['call_x'] }],
      });
      const graph = await store.getRun(runId);
      expect(graph?.nodes.find((n) => n.id === chat.id)).toEqual(amended);
      expect(graph?.spans.find((s) => s.spanId === chat.spanId)?.consumedToolCallIds).toEqual(['call_x']);
      expect(await store.contentEvents(runId)).toEqual([]);
      await store.close();
    });

    it('refuses bad replacements whole, changing nothing', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      const e = event(runId, chat.spanId, 1, 'kept');
      await store.writeContentEvents([e], 1_001);
      const before = await store.getRun(runId);
      const good: LineageNode = { ...chat, props: { ...chat.props, inputSha256: 'b'.repeat(64) } };
      const other = batch.nodes.find((n) => n.kind !== 'ModelInvocation')!;
      const span = batch.spans.find((s) => s.spanId === chat.spanId)!;
      const bad = [
        { nodes: [good, { ...chat, id: `${chat.id}-missing` }], spans: [] },
        { nodes: [good, other], spans: [] },
        { nodes: [good], spans: [{ ...span, spanId: '00000000000000ff' }] },
        { nodes: [{ ...good, runId: 'e'.repeat(32) }], spans: [] },
      ];
      for (const records of bad) await expect(store.replaceWithContent(runId, records)).rejects.toThrow();
      await expect(store.replaceWithContent('d'.repeat(32), { nodes: [], spans: [] })).rejects.toThrow(
        /not in the store/,
      );
      expect(await store.getRun(runId)).toEqual(before);
      expect(await store.contentEvents(runId)).toEqual([e]);
      await store.close();
    });

    it('prunes expired events of runs that will not merge them, keeps those of live runs', async () => {
      const store = await makeStore();
      // Arrived at 1,000 without its root span (an agent killed mid-run): nothing will finalise it.
      await store.writeBatch({ ...batch, spans: batch.spans.filter((s) => !s.isRoot) }, 1_000);
      const orphanRun = '9'.repeat(32);
      const known = event(runId, chat.spanId, 1, 'known');
      const oldOrphan = event(orphanRun, chat.spanId, 1, 'old');
      const newOrphan = event(orphanRun, chat.spanId, 2, 'new');
      await store.writeContentEvents([known, oldOrphan], 1_000);
      await store.writeContentEvents([newOrphan], 5_000);
      // Cut-offs at or before 1,000: nothing was received before them.
      expect(await store.pruneContentEvents(900)).toBe(0);
      expect(await store.pruneContentEvents(1_000)).toBe(0);
      // Cut-off 4,000: the old orphan goes, and so does the quiet rootless run's content; the
      // newer orphan stays.
      expect(await store.pruneContentEvents(4_000)).toBe(2);
      expect(await store.contentEvents(orphanRun)).toEqual([newOrphan]);
      expect(await store.contentEvents(runId)).toEqual([]);
      expect(await store.pruneContentEvents(4_000)).toBe(0);
      await store.close();
    });

    it('keeps the content of a run whose root ended, however old (it is finalised next, even after downtime)', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      const e = event(runId, chat.spanId, 1, 'waiting');
      await store.writeContentEvents([e], 1_000);
      expect(await store.pruneContentEvents(1_000_000)).toBe(0);
      expect(await store.contentEvents(runId)).toEqual([e]);
      await store.close();
    });

    it('keeps the content of a run that is still receiving spans, whatever its age', async () => {
      const store = await makeStore();
      const rootless = { ...batch, spans: batch.spans.filter((s) => !s.isRoot) };
      await store.writeBatch(rootless, 1_000);
      const e = event(runId, chat.spanId, 1, 'early');
      await store.writeContentEvents([e], 1_000);
      // A late span of the same run arrives at 9,000: the run is live.
      await store.writeBatch({ ...rootless, nodes: [], edges: [], links: [] }, 9_000);
      await store.writeContentEvents([event(runId, chat.spanId, 2, 'touch')], 9_000);
      expect(await store.pruneContentEvents(5_000)).toBe(0);
      expect((await store.contentEvents(runId)).map((x) => x.key)).toContain(e.key);
      await store.close();
    });

    it('after the merge a run takes no more content, even before it is marked finalised', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      await store.replaceWithContent(runId, { nodes: [], spans: [] });
      const e = event(runId, chat.spanId, 1, 'during the archive write');
      expect(await store.writeContentEvents([e], 1_001)).toEqual({ written: 0, late: [e] });
      expect(await store.contentEvents(runId)).toEqual([]);
      await store.close();
    });

    it('a finalised run refuses new content (returned as late) and replacement', async () => {
      const store = await makeStore();
      await store.writeBatch(batch, 1_000);
      await store.markFinalised(runId, {
        finalisedAtMs: 2_000,
        sequence: 0,
        archiveKey: 'k',
        bundleSha256: 'c'.repeat(64),
      });
      const e = event(runId, chat.spanId, 1, 'too late');
      expect(await store.writeContentEvents([e], 3_000)).toEqual({ written: 0, late: [e] });
      expect(await store.contentEvents(runId)).toEqual([]);
      await expect(store.replaceWithContent(runId, { nodes: [chat], spans: [] })).rejects.toThrow(
        /finalised/,
      );
      await store.close();
    });
  });
}
