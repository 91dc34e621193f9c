import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunGraph } from '../ports/graph-store.js';
import { FsArchiveStore } from '../stores/fs-archive/fs-archive-store.js';
import { runGraphToProvBundle } from './run-graph-to-prov-bundle.js';
import { serialiseBundle } from './serialise-bundle.js';
import { checkProv } from './test-support/run-check-prov.js';
import {
  childRun,
  type ExpectedSources,
  inferredRun,
  type RunGraphFixture,
  ragRun,
  supersededRun,
  TRACE,
} from './test-support/run-graph-fixtures.js';

const GENERATED_AT = Date.UTC(2026, 10, 24, 10);
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prov-validity-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeBundle(
  name: string,
  graph: RunGraph,
  sequence = 0,
  includeContent = false,
): Promise<string> {
  const file = path.join(dir, `${name}.jsonld`);
  await fs.writeFile(
    file,
    serialiseBundle(runGraphToProvBundle(graph, { includeContent, sequence, generatedAtMs: GENERATED_AT })),
  );
  return file;
}

function sourcesById(expected: readonly ExpectedSources[]): Record<string, { id: string; sha256: string }[]> {
  return Object.fromEntries(
    expected.map((e) => [e.outputId, [...e.sources].sort((a, b) => (a.id < b.id ? -1 : 1))]),
  );
}

function lineageOf(
  result: Awaited<ReturnType<typeof checkProv>>,
): Record<string, { id: string; sha256: string | null }[]> {
  return Object.fromEntries(Object.entries(result.lineage).map(([k, v]) => [k, [...v.sources]]));
}

describe('PROV-O bundles, checked by rdflib + python prov (an independent implementation)', () => {
  const fixtures: Record<string, RunGraphFixture> = {
    rag: ragRun(),
    child: childRun(),
    superseded: supersededRun(),
    inferred: inferredRun(),
  };

  for (const [name, fixture] of Object.entries(fixtures)) {
    for (const includeContent of [false, true]) {
      it(`${name} (content ${includeContent ? 'on' : 'off'}): valid, and SPARQL reaches exactly the expected sources`, async () => {
        const file = await writeBundle(`${name}-${includeContent}`, fixture.graph, 0, includeContent);
        const result = await checkProv([file]);
        expect(result.errors).toEqual([]);
        expect(result.bundles).toHaveLength(1);
        expect(result.bundles[0]?.runId).toBe(fixture.graph.runId);
        const provCounts = result.prov[result.bundles[0]!.iri]!;
        expect(provCounts.Entity).toBeGreaterThan(0);
        expect(provCounts.Activity).toBeGreaterThan(0);
        expect(lineageOf(result)).toEqual(sourcesById(fixture.expected));
      });
    }
  }

  it('is decoded by python prov into exactly the PROV records the mapping intends', async () => {
    const result = await checkProv([await writeBundle('counts-rag', ragRun().graph)]);
    expect(result.errors).toEqual([]);
    // prov's PROV-O decoder yields each relation twice: once unqualified, once from its
    // qualified influence. rag: 4 activities (run, 2 invocations, upstream), 10 entities
    // (5 chunks, tool output, 2 artifacts, output, sub-agent output declared elsewhere),
    // 3 agents (agent software, actor, model), 8 usages, 3 generations, 1 derivation,
    // 1 communication + its start, 4 associations, 1 attribution.
    expect(result.prov[result.bundles[0]!.iri]).toEqual({
      Activity: 4,
      Entity: 10,
      Agent: 3,
      Usage: 16,
      Generation: 6,
      Derivation: 2,
      Communication: 2,
      Start: 1,
      Association: 4,
      Attribution: 1,
    });
  });

  it('follows a sub-agent output into the sub-agent run when both bundles are read', async () => {
    const rag = ragRun();
    const child = childRun();
    const files = [await writeBundle('u-rag', rag.graph), await writeBundle('u-child', child.graph)];
    const result = await checkProv(files);
    expect(result.errors).toEqual([]);
    const [ragExpected] = rag.expected;
    const expected = [...ragExpected!.sources, ...child.expected[0]!.sources].sort((a, b) =>
      a.id < b.id ? -1 : 1,
    );
    expect(lineageOf(result)[ragExpected!.outputId]).toEqual(expected);
    expect(lineageOf(result)[child.expected[0]!.outputId]).toEqual(
      sourcesById(child.expected)[child.expected[0]!.outputId],
    );
  });

  it('follows the spawn hop into a sub-agent run whose output was not linked explicitly', async () => {
    const rag = ragRun(TRACE.rag, TRACE.child, false);
    const child = childRun();
    const result = await checkProv([
      await writeBundle('s-rag', rag.graph),
      await writeBundle('s-child', child.graph),
    ]);
    expect(result.errors).toEqual([]);
    const [ragExpected] = rag.expected;
    const expected = [...ragExpected!.sources, ...child.expected[0]!.sources].sort((a, b) =>
      a.id < b.id ? -1 : 1,
    );
    expect(lineageOf(result)[ragExpected!.outputId]).toEqual(expected);
    // Without the child's bundle the spawn is invisible: the parent bundle alone gives its own sources.
    const alone = await checkProv([await writeBundle('s-rag-alone', rag.graph)]);
    expect(lineageOf(alone)).toEqual(sourcesById(rag.expected));
  });

  it('keeps two runs with byte-identical outputs as two FinalOutput entities', async () => {
    const a = ragRun(TRACE.rag);
    const b = ragRun(TRACE.ragTwin);
    const result = await checkProv([
      await writeBundle('twin-a', a.graph),
      await writeBundle('twin-b', b.graph),
    ]);
    expect(result.errors).toEqual([]);
    const outputs = Object.entries(result.lineage);
    expect(outputs).toHaveLength(2);
    expect(outputs[0]![1].sha256).toBe(outputs[1]![1].sha256);
    expect(new Set(outputs.map(([, v]) => v.runId))).toEqual(new Set([TRACE.rag, TRACE.ragTwin]));
    expect(result.prov[result.bundles[0]!.iri]).toEqual(result.prov[result.bundles[1]!.iri]);
  });

  it('validates a supplementary bundle of late records that points into the main bundle', async () => {
    const rag = ragRun();
    const late: RunGraph = {
      ...rag.graph,
      nodes: rag.graph.nodes.filter((n) => n.kind === 'FinalOutput'),
      edges: rag.graph.edges.filter((e) => e.type === 'CONTRIBUTED_TO'),
    };
    const main = await writeBundle('sup-main', rag.graph);
    const supplement = await writeBundle('sup-1', late, 1);
    const result = await checkProv([main, supplement]);
    expect(result.errors).toEqual([]);
    expect(result.bundles.map((b) => [b.sequence, b.supplements])).toEqual([
      [0, null],
      [1, result.bundles[0]!.iri],
    ]);
    expect(lineageOf(result)).toEqual(sourcesById(rag.expected));
  });

  it('validates bundles as archived by FsArchiveStore, read back through get', async () => {
    const store = new FsArchiveStore({ root: path.join(dir, 'archive') });
    const files: string[] = [];
    for (const f of Object.values(fixtures)) {
      const body = serialiseBundle(
        runGraphToProvBundle(f.graph, { includeContent: false, sequence: 0, generatedAtMs: GENERATED_AT }),
      );
      const loc = await store.put({
        runId: f.graph.runId,
        agentId: f.agentId,
        runStartMs: f.graph.nodes[0]!.startTimeMs,
        sequence: 0,
        body,
      });
      expect(await store.get(loc.key)).toEqual(body);
      files.push(path.join(dir, 'archive', loc.key));
    }
    await store.close();
    const result = await checkProv(files);
    expect(result.errors).toEqual([]);
    expect(result.bundles).toHaveLength(4);
  });

  it('is not vacuous: a bundle breaking PROV typing or missing a hash is reported', async () => {
    const doc = runGraphToProvBundle(supersededRun().graph, {
      includeContent: false,
      sequence: 0,
      generatedAtMs: GENERATED_AT,
    });
    const broken = {
      ...doc,
      '@graph': doc['@graph'].map((n) => {
        if (n['lin:nodeId'] === `ds:${TRACE.superseded}:aa00000000000001:0`) {
          const { 'lin:sha256': _dropped, ...rest } = n;
          return { ...rest, 'prov:wasGeneratedBy': n['@id'] };
        }
        return n;
      }),
    };
    const file = path.join(dir, 'broken.jsonld');
    await fs.writeFile(file, JSON.stringify(broken));
    const result = await checkProv([file]);
    expect(result.errors.some((e) => e.includes('lin:sha256') || e.includes('sha256'))).toBe(true);
    expect(result.errors.some((e) => e.includes('wasGeneratedBy') && e.includes('Activity'))).toBe(true);
  });

  it('fails with the apt package names when the python modules are missing', async () => {
    const file = await writeBundle('missing', supersededRun().graph);
    // -S hides /usr/lib/python3/dist-packages, as on a machine without the packages.
    await expect(checkProv([file], ['-S'])).rejects.toThrow(/python3-rdflib.*python3-prov/s);
  });
});
