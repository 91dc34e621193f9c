import { afterEach, describe, expect, it } from 'vitest';
import type { LineageEdge, LineageNode, MappedBatch } from '../model/lineage-record.js';
import type { GraphStore, OutputHit, RunFinalisation, RunGraph } from '../ports/graph-store.js';
import { completeReport } from '../ports/graph-store.js';
import {
  type BuiltRun,
  buildAgentRun,
  directEdge,
  link,
  mergeBatches,
  sha256Hex,
  spanIdOf,
  splitBySpanShuffled,
  traceIdOf,
} from './test-support/lineage-fixtures.js';

/** Optional capabilities of an adapter under test. */
export interface GraphStoreContractOptions {
  /** Closes `store` and opens the same backing data again (enables the durability tests). */
  readonly reopen?: (store: GraphStore) => Promise<GraphStore>;
}

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

function fin(sequence: number, atMs: number): RunFinalisation {
  return {
    finalisedAtMs: atMs,
    sequence,
    archiveKey: `k/${sequence}`,
    bundleSha256: sha256Hex(`b${sequence}`),
  };
}

function empty(): MappedBatch {
  return { spans: [], nodes: [], edges: [], links: [], rejected: [] };
}

function edgeTypes(g: RunGraph | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of g?.edges ?? []) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

async function allForward(store: GraphStore, sourceId: string, limit: number): Promise<OutputHit[]> {
  const items: OutputHit[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await store.forwardLineage(sourceId, { limit, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
  throw new Error('forward paging did not terminate');
}

/** Parent run whose tool span spawned `depth` nested sub-agent runs; returns them top-down. */
function agentChain(prefix: string, depth: number, startMs: number): BuiltRun[] {
  const runs: BuiltRun[] = [];
  let parent: BuiltRun | undefined;
  for (let i = 0; i < depth; i++) {
    const run: BuiltRun = buildAgentRun({
      traceId: traceIdOf(`${prefix}-${i}`),
      startMs: startMs + i,
      steps: 2,
      sourcesPerRetrieval: 2,
      ...(parent ? { spawnedBy: parent.toolSpan } : {}),
    });
    runs.push(run);
    parent = run;
  }
  return runs;
}

/**
 * The GraphStore contract: every adapter must pass these tests. `makeStore` returns a new,
 * empty store each call; the suite closes every store it made.
 */
export function describeGraphStoreContract(
  name: string,
  makeStore: () => Promise<GraphStore>,
  options: GraphStoreContractOptions = {},
): void {
  describe(`GraphStore contract: ${name}`, () => {
    const open: GraphStore[] = [];
    const fresh = async () => {
      const s = await makeStore();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    describe('writeBatch and getRun', () => {
      it('stores a run with its nodes, spans and resolved edges', async () => {
        const store = await fresh();
        const run = buildAgentRun({
          traceId: traceIdOf('basic'),
          startMs: T0,
          steps: 3,
          sourcesPerRetrieval: 5,
        });
        const res = await store.writeBatch(run.batch, T0 + 100);
        expect(res.runIds).toContain(run.runId);
        expect(res.lateRunIds).toEqual([]);
        expect(res.nodesWritten).toBe(run.batch.nodes.length);
        const g = await store.getRun(run.runId);
        expect(g?.runId).toBe(run.runId);
        expect(g?.nodes.map((n) => n.id).sort()).toEqual(run.batch.nodes.map((n) => n.id).sort());
        expect(g?.spans).toHaveLength(run.batch.spans.length);
        expect(g?.danglingLinks).toBe(0);
        expect(edgeTypes(g)).toEqual({
          PRODUCED_BY: 3,
          RETRIEVED_FROM: 15,
          CONSUMED_BY: 3,
          CONTRIBUTED_TO: 1,
        });
        expect(res.edgesWritten).toBe(22);
        const mi = g?.nodes.find((n) => n.kind === 'ModelInvocation');
        const original = run.batch.nodes.find((n) => n.id === mi?.id);
        expect(mi).toEqual(original);
      });

      it('returns undefined for an unknown run', async () => {
        const store = await fresh();
        expect(await store.getRun(traceIdOf('nope'))).toBeUndefined();
      });

      it('is idempotent: the same batch twice writes nothing the second time', async () => {
        const store = await fresh();
        const run = buildAgentRun({ traceId: traceIdOf('twice'), startMs: T0 });
        await store.writeBatch(run.batch, T0 + 100);
        const first = await store.getRun(run.runId);
        const again = await store.writeBatch(run.batch, T0 + 200);
        expect(again.nodesWritten).toBe(0);
        expect(again.edgesWritten).toBe(0);
        expect(await store.getRun(run.runId)).toEqual(first);
      });

      it('is order-independent: split and shuffled batches yield the same run graph', async () => {
        const parent = buildAgentRun({ traceId: traceIdOf('shuffle-p'), startMs: T0 });
        const child = buildAgentRun({
          traceId: traceIdOf('shuffle-c'),
          startMs: T0 + 5,
          spawnedBy: parent.toolSpan,
        });
        const whole = mergeBatches([parent.batch, child.batch]);
        const reference = await fresh();
        await reference.writeBatch(whole, T0 + 100);
        const expectedParent = await reference.getRun(parent.runId);
        const expectedChild = await reference.getRun(child.runId);
        for (const seed of [1, 2, 3]) {
          const store = await fresh();
          for (const part of splitBySpanShuffled(whole, 7, seed)) await store.writeBatch(part, T0 + 100);
          expect(await store.getRun(parent.runId)).toEqual(expectedParent);
          expect(await store.getRun(child.runId)).toEqual(expectedChild);
        }
      });

      it('returns every edge touching the run once: inside it, to other runs and from other runs', async () => {
        const store = await fresh();
        const parent = buildAgentRun({ traceId: traceIdOf('edges-p'), startMs: T0 });
        const child = buildAgentRun({
          traceId: traceIdOf('edges-c'),
          startMs: T0 + 5,
          spawnedBy: parent.toolSpan,
        });
        await store.writeBatch(mergeBatches([parent.batch, child.batch]), T0 + 100);
        const p = (await store.getRun(parent.runId))!;
        const c = (await store.getRun(child.runId))!;
        const parentNodes = new Set(p.nodes.map((n) => n.id));
        const childNodes = new Set(c.nodes.map((n) => n.id));
        for (const g of [p, c]) {
          const ids = g.edges.map((e) => e.id);
          expect(new Set(ids).size).toBe(ids.length);
        }
        const crossing = c.edges.filter((e) => parentNodes.has(e.to) || parentNodes.has(e.from));
        // The spawn edge goes from the child's run to the parent's tool output: the parent sees it too.
        expect(crossing.length).toBeGreaterThan(0);
        expect(p.edges).toEqual(expect.arrayContaining(crossing));
        const inside = p.edges.filter((e) => parentNodes.has(e.from) && parentNodes.has(e.to));
        expect(inside.length).toBeGreaterThan(0);
        for (const e of p.edges) expect(parentNodes.has(e.from) || parentNodes.has(e.to)).toBe(true);
        expect(p.edges.filter((e) => childNodes.has(e.from) || childNodes.has(e.to))).toEqual(crossing);
      });

      it('resolves a link when its target span arrives later, reporting it dangling until then', async () => {
        const store = await fresh();
        const run = buildAgentRun({
          traceId: traceIdOf('late-link'),
          startMs: T0,
          steps: 1,
          sourcesPerRetrieval: 3,
        });
        const retrieval = run.batch.spans.find((s) => s.spanType === 'retrieval')!;
        const withoutRetrieval: MappedBatch = {
          ...run.batch,
          spans: run.batch.spans.filter((s) => s !== retrieval),
          nodes: run.batch.nodes.filter((n) => n.spanId !== retrieval.spanId),
        };
        await store.writeBatch(withoutRetrieval, T0 + 10);
        const before = await store.getRun(run.runId);
        expect(before?.danglingLinks).toBe(1);
        expect(edgeTypes(before).RETRIEVED_FROM).toBeUndefined();
        const report = await store.completeness({ runIds: [run.runId] });
        expect(report.danglingLinks).toHaveLength(1);
        await store.writeBatch(
          {
            ...empty(),
            spans: [retrieval],
            nodes: run.batch.nodes.filter((n) => n.spanId === retrieval.spanId),
          },
          T0 + 20,
        );
        const after = await store.getRun(run.runId);
        expect(after?.danglingLinks).toBe(0);
        expect(edgeTypes(after).RETRIEVED_FROM).toBe(3);
        expect((await store.completeness({ runIds: [run.runId] })).danglingLinks).toEqual([]);
      });

      it('resolves a link whose target span has no lineage nodes to nothing (not dangling)', async () => {
        const store = await fresh();
        const run = buildAgentRun({ traceId: traceIdOf('no-nodes'), startMs: T0, steps: 1 });
        const target = { traceId: run.runId, spanId: spanIdOf(run.runId, 99) };
        const extra: MappedBatch = {
          ...empty(),
          spans: [
            {
              runId: run.runId,
              spanId: target.spanId,
              spanType: 'other',
              dialect: 'unknown',
              name: 'http',
              startTimeMs: T0,
              endTimeMs: T0 + 1,
              isRoot: false,
            },
          ],
          links: [
            link(
              'consumed',
              run.batch.nodes.find((n) => n.kind === 'ModelInvocation')!.id,
              run.runId,
              target,
              T0,
            ),
          ],
        };
        await store.writeBatch(mergeBatches([run.batch, extra]), T0 + 10);
        expect((await store.getRun(run.runId))?.danglingLinks).toBe(0);
      });
    });

    describe('backwardLineage', () => {
      it('returns every DataSource behind an output, with depths', async () => {
        const store = await fresh();
        const run = buildAgentRun({
          traceId: traceIdOf('back'),
          startMs: T0,
          steps: 3,
          sourcesPerRetrieval: 2,
        });
        await store.writeBatch(run.batch, T0 + 100);
        const res = await store.backwardLineage(run.outputSha256!);
        expect(res.outputs.map((o) => o.id)).toEqual([run.outputId]);
        expect(res.truncated).toBe(false);
        const ids = res.sources.map((s) => s.node.props.sourceId).sort();
        expect(ids).toEqual([...run.sourceIds, run.toolSourceId].sort());
        // output ← CONTRIBUTED_TO ← mi(last) → RETRIEVED_FROM → ds: 2 hops
        const direct = res.sources.filter((s) => s.depth === 2).map((s) => s.node.props.sourceId);
        expect(direct).toContain(run.toolSourceId);
        expect(res.sources.every((s) => s.viaRunId === run.runId)).toBe(true);
      });

      it('returns nothing for an unknown hash', async () => {
        const store = await fresh();
        expect(await store.backwardLineage(sha256Hex('unknown'))).toEqual({
          outputs: [],
          sources: [],
          truncated: false,
        });
      });

      it('walks into sub-agent runs through spawned_by', async () => {
        const store = await fresh();
        const chain = agentChain('sub', 3, T0);
        await store.writeBatch(mergeBatches(chain.map((r) => r.batch)), T0 + 100);
        const res = await store.backwardLineage(chain[0]!.outputSha256!);
        const got = new Set(res.sources.map((s) => String(s.node.props.sourceId)));
        for (const r of chain)
          for (const id of [...r.sourceIds, r.toolSourceId]) expect(got.has(id)).toBe(true);
        const deepest = res.sources.find((s) => s.node.runId === chain[2]!.runId)!;
        const own = res.sources.find((s) => s.node.runId === chain[0]!.runId)!;
        expect(deepest.depth).toBeGreaterThan(own.depth);
        expect(deepest.viaRunId).toBe(chain[0]!.runId);
      });

      it('includes every output that shares the content hash (two runs, same bytes)', async () => {
        const store = await fresh();
        const a = buildAgentRun({
          traceId: traceIdOf('same-a'),
          startMs: T0,
          outputContent: 'same',
          steps: 1,
        });
        const b = buildAgentRun({
          traceId: traceIdOf('same-b'),
          startMs: T0 + 1,
          outputContent: 'same',
          steps: 1,
        });
        await store.writeBatch(mergeBatches([a.batch, b.batch]), T0 + 100);
        const res = await store.backwardLineage(a.outputSha256!);
        expect(res.outputs).toHaveLength(2);
        expect(new Set(res.sources.map((s) => s.viaRunId))).toEqual(new Set([a.runId, b.runId]));
      });

      it('is depth-bounded and says when it was cut short', async () => {
        const store = await fresh();
        const chain = agentChain('depth', 4, T0);
        await store.writeBatch(mergeBatches(chain.map((r) => r.batch)), T0 + 100);
        const full = await store.backwardLineage(chain[0]!.outputSha256!);
        const cut = await store.backwardLineage(chain[0]!.outputSha256!, { maxDepth: 3 });
        expect(cut.truncated).toBe(true);
        expect(cut.sources.length).toBeLessThan(full.sources.length);
        expect(cut.sources.every((s) => s.depth <= 3)).toBe(true);
        const zero = await store.backwardLineage(chain[0]!.outputSha256!, { maxDepth: 0 });
        expect(zero.sources).toEqual([]);
        expect(zero.truncated).toBe(true);
      });

      it('terminates on cycles (artifacts consumed in a loop, and runs spawning each other)', async () => {
        const store = await fresh();
        const run = buildAgentRun({
          traceId: traceIdOf('cycle'),
          startMs: T0,
          steps: 2,
          sourcesPerRetrieval: 1,
        });
        const mis = run.batch.nodes.filter((n) => n.kind === 'ModelInvocation');
        const arts = run.batch.nodes.filter((n) => n.kind === 'IntermediateArtifact');
        // art1 → mi0 closes mi0 ← art1 ← mi1 ← art0 ← mi0.
        const loop = directEdge('CONSUMED_BY', arts[1]!.id, mis[0]!.id, run.runId, T0);
        const other = buildAgentRun({
          traceId: traceIdOf('cycle-2'),
          startMs: T0,
          steps: 1,
          spawnedBy: run.toolSpan,
        });
        // and the parent run is "spawned" by the child's tool span: a cross-run cycle.
        const back = link('spawned_by', `run:${run.runId}`, run.runId, other.toolSpan, T0);
        await store.writeBatch(
          mergeBatches([run.batch, other.batch, { ...empty(), edges: [loop], links: [back] }]),
          T0 + 100,
        );
        const res = await store.backwardLineage(run.outputSha256!);
        const ids = res.sources.map((s) => `${s.viaRunId}/${s.node.id}`);
        expect(new Set(ids).size).toBe(ids.length);
        expect(res.sources.some((s) => s.node.runId === other.runId)).toBe(true);
        const report = await store.completeness({ runIds: [run.runId] });
        expect(report.cycles).toEqual([run.runId]);
      });
    });

    describe('forwardLineage', () => {
      async function sharedSource(store: GraphStore, n: number) {
        const runs: BuiltRun[] = [];
        for (let i = 0; i < n; i++) {
          runs.push(
            buildAgentRun({
              traceId: traceIdOf(`fwd-${i}`),
              startMs: T0 + i * 1000,
              steps: 2,
              sourcesPerRetrieval: 2,
              sourceId: (k, j) => (k === 0 && j === 0 ? 'kb://popular' : `kb://r${i}/${k}/${j}`),
            }),
          );
        }
        await store.writeBatch(mergeBatches(runs.map((r) => r.batch)), T0 + 1_000_000);
        return runs;
      }

      it('pages every output of a source newest first, without duplicates or omissions', async () => {
        const store = await fresh();
        const runs = await sharedSource(store, 23);
        const items = await allForward(store, 'kb://popular', 5);
        expect(items.map((i) => i.runId)).toEqual(runs.map((r) => r.runId).reverse());
        expect(items.map((i) => i.outputId)).toEqual(runs.map((r) => r.outputId).reverse());
        for (let i = 1; i < items.length; i++)
          expect(items[i - 1]!.timeMs).toBeGreaterThanOrEqual(items[i]!.timeMs);
        expect(items[0]?.outputSha256).toBe(runs[runs.length - 1]!.outputSha256);
      });

      it('gives the same pages before and after runs are finalised (closure vs live walk)', async () => {
        const store = await fresh();
        const runs = await sharedSource(store, 12);
        const before = await allForward(store, 'kb://popular', 5);
        for (const r of runs.filter((_, i) => i % 2 === 0))
          await store.markFinalised(r.runId, fin(0, T0 + 2_000_000));
        expect(await allForward(store, 'kb://popular', 5)).toEqual(before);
        for (const r of runs.filter((_, i) => i % 2 === 1))
          await store.markFinalised(r.runId, fin(0, T0 + 2_000_000));
        expect(await allForward(store, 'kb://popular', 5)).toEqual(before);
        expect(await allForward(store, 'kb://popular', 100)).toEqual(before);
      });

      it('reaches the outputs of parent runs through sub-agents', async () => {
        const store = await fresh();
        const chain = agentChain('fwd-sub', 3, T0);
        await store.writeBatch(mergeBatches(chain.map((r) => r.batch)), T0 + 100);
        const source = chain[2]!.sourceIds[0]!;
        const expected = new Set(chain.map((r) => r.outputId));
        expect(new Set((await allForward(store, source, 100)).map((i) => i.outputId))).toEqual(expected);
        // Child finalised after its parent: the parent's closure must still include it.
        await store.markFinalised(chain[0]!.runId, fin(0, T0 + 200));
        await store.markFinalised(chain[1]!.runId, fin(0, T0 + 200));
        expect(new Set((await allForward(store, source, 100)).map((i) => i.outputId))).toEqual(expected);
        await store.markFinalised(chain[2]!.runId, fin(0, T0 + 200));
        expect(new Set((await allForward(store, source, 100)).map((i) => i.outputId))).toEqual(expected);
        const back = await store.backwardLineage(chain[0]!.outputSha256!);
        expect(back.sources.map((s) => s.node.props.sourceId)).toContain(source);
      });

      it('returns an empty page for an unknown source and rejects a malformed cursor', async () => {
        const store = await fresh();
        await sharedSource(store, 2);
        expect(await store.forwardLineage('kb://unknown')).toEqual({ items: [] });
        await expect(store.forwardLineage('kb://popular', { cursor: 'not-a-cursor!' })).rejects.toThrow(
          /cursor/i,
        );
        await expect(store.forwardLineage('kb://popular', { cursor: 'eyJ4IjoxfQ' })).rejects.toThrow(
          /cursor/i,
        );
      });
    });

    describe('runsByModel', () => {
      async function modelRuns(store: GraphStore) {
        const runs: BuiltRun[] = [];
        for (let i = 0; i < 9; i++) {
          const model =
            i % 3 === 0
              ? { request: 'gpt-4o', response: 'gpt-4o-2024-08-06', version: 'gpt-4o-2024-08-06' }
              : i % 3 === 1
                ? { request: 'gpt-4o', response: 'gpt-4o-2024-11-20', version: 'gpt-4o-2024-11-20' }
                : { request: 'claude', response: 'claude-x-1', version: 'claude-x-1' };
          runs.push(
            buildAgentRun({
              traceId: traceIdOf(`model-${i}`),
              startMs: T0 + i * 60_000,
              steps: 1,
              model,
              agentName: `a${i}`,
            }),
          );
        }
        await store.writeBatch(mergeBatches(runs.map((r) => r.batch)), T0 + 10_000_000);
        return runs;
      }

      it('finds runs by request model, response model or exact version, newest first, paged', async () => {
        const store = await fresh();
        const runs = await modelRuns(store);
        const byRequest: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.runsByModel('gpt-4o', { limit: 2, ...(cursor ? { cursor } : {}) });
          byRequest.push(...page.items.map((r) => r.runId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(byRequest).toEqual(
          runs
            .filter((_, i) => i % 3 !== 2)
            .map((r) => r.runId)
            .reverse(),
        );
        const byVersion = await store.runsByModel('gpt-4o-2024-11-20');
        expect(byVersion.items.map((r) => r.runId)).toEqual([runs[7]!.runId, runs[4]!.runId, runs[1]!.runId]);
        expect(byVersion.items[0]?.modelVersions).toEqual(['gpt-4o-2024-11-20']);
        expect(byVersion.items[0]?.agentName).toBe('a7');
        expect(byVersion.items[0]?.startTimeMs).toBe(T0 + 7 * 60_000);
        expect((await store.runsByModel('unknown-model')).items).toEqual([]);
      });

      it('applies the date range [fromMs, toMs)', async () => {
        const store = await fresh();
        const runs = await modelRuns(store);
        // Model calls start 14 ms after the run (see buildAgentRun).
        const page = await store.runsByModel('claude', {
          fromMs: T0 + 2 * 60_000,
          toMs: T0 + 8 * 60_000 + 14,
        });
        expect(page.items.map((r) => r.runId)).toEqual([runs[5]!.runId, runs[2]!.runId]);
        const inclusive = await store.runsByModel('claude', { fromMs: T0 + 8 * 60_000 + 14 });
        expect(inclusive.items.map((r) => r.runId)).toEqual([runs[8]!.runId]);
        await expect(store.runsByModel('claude', { cursor: 'garbage' })).rejects.toThrow(/cursor/i);
      });

      it('rejects a forward-lineage cursor', async () => {
        const store = await fresh();
        await modelRuns(store);
        const fwdRun = buildAgentRun({
          traceId: traceIdOf('x'),
          startMs: T0,
          steps: 1,
          sourceId: () => 'kb://x',
          sourcesPerRetrieval: 1,
        });
        const fwdRun2 = buildAgentRun({
          traceId: traceIdOf('y'),
          startMs: T0 + 1,
          steps: 1,
          sourceId: () => 'kb://x',
        });
        await store.writeBatch(mergeBatches([fwdRun.batch, fwdRun2.batch]), T0);
        const page = await store.forwardLineage('kb://x', { limit: 1 });
        expect(page.nextCursor).toBeDefined();
        await expect(store.runsByModel('gpt-4o', { cursor: page.nextCursor! })).rejects.toThrow(/cursor/i);
      });
    });

    describe('completeness', () => {
      it('reports each finding kind and nothing for a complete run', async () => {
        const store = await fresh();
        const good = buildAgentRun({ traceId: traceIdOf('good'), startMs: T0 });
        const noOut = buildAgentRun({ traceId: traceIdOf('no-out'), startMs: T0, noOutput: true });
        const noModel = buildAgentRun({ traceId: traceIdOf('no-model'), startMs: T0, steps: 0 });
        const noDs = buildAgentRun({
          traceId: traceIdOf('no-ds'),
          startMs: T0,
          steps: 1,
          sourcesPerRetrieval: 0,
        });
        const orphanRun = buildAgentRun({ traceId: traceIdOf('orphan'), startMs: T0, steps: 1 });
        const orphan: LineageNode = {
          id: `ds:${orphanRun.runId}:${spanIdOf(orphanRun.runId, 50)}:0`,
          kind: 'DataSource',
          runId: orphanRun.runId,
          spanId: spanIdOf(orphanRun.runId, 50),
          startTimeMs: T0,
          inferred: true,
          sha256: sha256Hex('orphan'),
          props: { sourceId: 'kb://orphan', sourceKind: 'document' },
        };
        const danglingRun = buildAgentRun({ traceId: traceIdOf('dangling'), startMs: T0, steps: 1 });
        const dangling = link(
          'consumed',
          danglingRun.batch.nodes.find((n) => n.kind === 'ModelInvocation')!.id,
          danglingRun.runId,
          { traceId: traceIdOf('elsewhere'), spanId: spanIdOf('elsewhere', 1) },
          T0,
        );
        await store.writeBatch(
          mergeBatches([
            good.batch,
            noOut.batch,
            noModel.batch,
            noDs.batch,
            orphanRun.batch,
            danglingRun.batch,
            { ...empty(), nodes: [orphan], links: [dangling] },
          ]),
          T0 + 100,
        );
        const all = await store.completeness();
        expect(all.runs).toBe(6);
        expect(all.runsWithoutFinalOutput).toEqual([noOut.runId]);
        expect(all.runsWithoutModelInvocation).toEqual([noModel.runId]);
        const noDsRetrieval = noDs.batch.spans.find((s) => s.spanType === 'retrieval')!;
        expect(all.retrievalsWithoutDataSource).toEqual([`${noDs.runId}/${noDsRetrieval.spanId}`]);
        expect(all.orphanNodes).toContain(orphan.id);
        expect(all.danglingLinks).toEqual([dangling.id]);
        expect(all.cycles).toEqual([]);
        const one = await store.completeness({ runIds: [good.runId] });
        expect(one).toEqual(completeReport(1));
        const sampled = await store.completeness({ sampleLimit: 0 });
        expect(sampled.runs).toBe(6);
        expect(sampled.runsWithoutFinalOutput).toEqual([]);
      });
    });

    describe('finalisation', () => {
      it('lists runs to finalise after the settle window and not again once finalised', async () => {
        const store = await fresh();
        const run = buildAgentRun({ traceId: traceIdOf('fin'), startMs: T0 });
        const root = run.batch.spans.find((s) => s.isRoot)!;
        await store.writeBatch({ ...run.batch, spans: run.batch.spans.filter((s) => s !== root) }, 1000);
        expect(await store.runsToFinalise(100_000, 30_000, 10)).toEqual([]);
        await store.writeBatch({ ...empty(), spans: [root] }, 2000);
        expect(await store.runsToFinalise(31_999, 30_000, 10)).toEqual([]);
        expect(await store.runsToFinalise(32_000, 30_000, 10)).toEqual([run.runId]);
        await store.markFinalised(run.runId, fin(0, 33_000));
        expect(await store.runsToFinalise(100_000, 30_000, 10)).toEqual([]);
        expect((await store.getRun(run.runId))?.finalisation).toEqual(fin(0, 33_000));
      });

      it('records several finalisations in one call exactly as one call per run, and all or nothing', async () => {
        const one = await fresh();
        const many = await fresh();
        const chain = agentChain('fin-many', 3, T0);
        const whole = mergeBatches(chain.map((r) => r.batch));
        await one.writeBatch(whole, T0 + 100);
        await many.writeBatch(whole, T0 + 100);
        // Parent first: its closure has to take in sub-agents finalised after it in the same call.
        for (const r of chain) await one.markFinalised(r.runId, fin(0, T0 + 200));
        await many.markFinalisedMany(chain.map((r) => ({ runId: r.runId, finalisation: fin(0, T0 + 200) })));
        const source = chain[2]!.sourceIds[0]!;
        for (const r of chain) expect(await many.getRun(r.runId)).toEqual(await one.getRun(r.runId));
        expect(await allForward(many, source, 100)).toEqual(await allForward(one, source, 100));
        expect(await many.backwardLineage(chain[0]!.outputSha256!)).toEqual(
          await one.backwardLineage(chain[0]!.outputSha256!),
        );
        expect(await many.runsToFinalise(T0 + 1_000_000, 0, 10)).toEqual([]);
        await many.markFinalisedMany([]);

        const partial = await fresh();
        const run = buildAgentRun({ traceId: traceIdOf('fin-partial'), startMs: T0 });
        await partial.writeBatch(run.batch, T0 + 100);
        await expect(
          partial.markFinalisedMany([
            { runId: run.runId, finalisation: fin(0, T0 + 200) },
            { runId: traceIdOf('fin-unknown'), finalisation: fin(0, T0 + 200) },
          ]),
        ).rejects.toThrow(/unknown run/);
        expect((await partial.getRun(run.runId))?.finalisation).toBeUndefined();
        expect(await partial.runsToFinalise(T0 + 1_000_000, 0, 10)).toEqual([run.runId]);
      });

      it('reports late spans and asks for a supplementary bundle; re-delivery is not late', async () => {
        const store = await fresh();
        const run = buildAgentRun({ traceId: traceIdOf('late'), startMs: T0 });
        await store.writeBatch(run.batch, 1000);
        await store.markFinalised(run.runId, fin(0, 40_000));
        const redelivered = await store.writeBatch(run.batch, 50_000);
        expect(redelivered.lateRunIds).toEqual([]);
        expect(await store.runsToFinalise(200_000, 30_000, 10)).toEqual([]);
        const lateSpan = {
          ...run.batch.spans[1]!,
          spanId: spanIdOf(run.runId, 77),
          spanType: 'retrieval' as const,
          isRoot: false,
        };
        const lateSource: LineageNode = {
          id: `ds:${run.runId}:${lateSpan.spanId}:0`,
          kind: 'DataSource',
          runId: run.runId,
          spanId: lateSpan.spanId,
          startTimeMs: T0 + 500,
          inferred: false,
          sha256: sha256Hex('late'),
          props: { sourceId: 'kb://late', sourceKind: 'rag_chunk' },
        };
        const toOutput: LineageEdge = directEdge(
          'CONTRIBUTED_TO',
          lateSource.id,
          run.outputId!,
          run.runId,
          T0 + 500,
        );
        const late = await store.writeBatch(
          { ...empty(), spans: [lateSpan], nodes: [lateSource], edges: [toOutput] },
          60_000,
        );
        expect(late.lateRunIds).toEqual([run.runId]);
        expect(await store.runsToFinalise(90_000, 30_000, 10)).toEqual([run.runId]);
        const back = await store.backwardLineage(run.outputSha256!);
        expect(back.sources.map((s) => s.node.props.sourceId)).toContain('kb://late');
        expect((await allForward(store, 'kb://late', 10)).map((o) => o.outputId)).toEqual([run.outputId]);
        await store.markFinalised(run.runId, fin(1, 95_000));
        expect((await store.getRun(run.runId))?.finalisation?.sequence).toBe(1);
        expect(await store.runsToFinalise(200_000, 30_000, 10)).toEqual([]);
        expect((await store.backwardLineage(run.outputSha256!)).sources).toEqual(back.sources);
      });

      it('respects the limit, oldest arrival first', async () => {
        const store = await fresh();
        const a = buildAgentRun({ traceId: traceIdOf('lim-a'), startMs: T0, steps: 1 });
        const b = buildAgentRun({ traceId: traceIdOf('lim-b'), startMs: T0, steps: 1 });
        await store.writeBatch(b.batch, 1000);
        await store.writeBatch(a.batch, 2000);
        expect(await store.runsToFinalise(100_000, 1000, 1)).toEqual([b.runId]);
        expect(await store.runsToFinalise(100_000, 1000, 5)).toEqual([b.runId, a.runId]);
      });
    });

    describe('untrusted ids', () => {
      it('stores and returns ids with quotes, SQL metacharacters, NUL and non-ASCII verbatim', async () => {
        const store = await fresh();
        const weird = `r'"; DROP TABLE nodes; --\u0000\\%_*ü😀`;
        const run = buildAgentRun({
          traceId: weird,
          startMs: T0,
          steps: 1,
          sourcesPerRetrieval: 1,
          sourceId: () => `src'); DELETE FROM edges; --\u0000"`,
          model: { request: `m'\u0000"`, response: `m'\u0000"`, version: `m'\u0000"` },
          agentName: `a"'\u0000`,
        });
        await store.writeBatch(run.batch, T0);
        const g = await store.getRun(weird);
        expect(g?.runId).toBe(weird);
        expect(g?.nodes.map((n) => n.id).sort()).toEqual(run.batch.nodes.map((n) => n.id).sort());
        expect(g?.danglingLinks).toBe(0);
        const fwd = await store.forwardLineage(`src'); DELETE FROM edges; --\u0000"`);
        expect(fwd.items.map((i) => i.runId)).toEqual([weird]);
        const models = await store.runsByModel(`m'\u0000"`);
        expect(models.items.map((r) => r.runId)).toEqual([weird]);
        expect(models.items[0]?.agentName).toBe(`a"'\u0000`);
        expect((await store.backwardLineage(run.outputSha256!)).sources).toHaveLength(2);
        expect(await store.getRun(`${weird}x`)).toBeUndefined();
      });
    });

    describe('lifecycle', () => {
      it('rejects every call after close', async () => {
        const store = await makeStore();
        await store.close();
        const run = buildAgentRun({ traceId: traceIdOf('closed'), startMs: T0, steps: 1 });
        await expect(store.writeBatch(run.batch, T0)).rejects.toThrow();
        await expect(store.getRun(run.runId)).rejects.toThrow();
        await expect(store.backwardLineage('x')).rejects.toThrow();
        await expect(store.forwardLineage('x')).rejects.toThrow();
        await expect(store.runsByModel('x')).rejects.toThrow();
        await expect(store.completeness()).rejects.toThrow();
        await expect(store.runsToFinalise(0, 0, 1)).rejects.toThrow();
        await expect(store.markFinalised(run.runId, fin(0, 0))).rejects.toThrow();
      });

      it.runIf(options.reopen !== undefined)(
        'keeps data, pending links and finalisation across close + reopen',
        async () => {
          const store = await fresh();
          const parent = buildAgentRun({ traceId: traceIdOf('dur-p'), startMs: T0 });
          const child = buildAgentRun({
            traceId: traceIdOf('dur-c'),
            startMs: T0,
            spawnedBy: parent.toolSpan,
          });
          const unfinished = buildAgentRun({ traceId: traceIdOf('dur-u'), startMs: T0, steps: 1 });
          const root = unfinished.batch.spans.find((s) => s.isRoot)!;
          const retrieval = unfinished.batch.spans.find((s) => s.spanType === 'retrieval')!;
          await store.writeBatch(mergeBatches([parent.batch, child.batch]), 1000);
          await store.writeBatch(
            {
              ...unfinished.batch,
              spans: unfinished.batch.spans.filter((s) => s !== root && s !== retrieval),
              nodes: unfinished.batch.nodes.filter((n) => n.spanId !== retrieval.spanId),
            },
            1000,
          );
          await store.markFinalised(parent.runId, fin(0, 50_000));
          const before = await store.getRun(parent.runId);
          const backBefore = await store.backwardLineage(parent.outputSha256!);
          open.splice(open.indexOf(store), 1);
          const reopened = await options.reopen!(store);
          open.push(reopened);
          expect(await reopened.getRun(parent.runId)).toEqual(before);
          expect(await reopened.backwardLineage(parent.outputSha256!)).toEqual(backBefore);
          expect(await reopened.runsToFinalise(100_000, 30_000, 10)).toEqual([child.runId]);
          expect((await reopened.getRun(unfinished.runId))?.danglingLinks).toBe(1);
          await reopened.writeBatch(
            {
              ...empty(),
              spans: [root, retrieval],
              nodes: unfinished.batch.nodes.filter((n) => n.spanId === retrieval.spanId),
            },
            2000,
          );
          expect((await reopened.getRun(unfinished.runId))?.danglingLinks).toBe(0);
          expect(await reopened.runsToFinalise(100_000, 30_000, 10)).toEqual([child.runId, unfinished.runId]);
        },
      );
    });
  });
}
