import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphStore } from '../ports/graph-store.js';
import { openSqliteGraphStore } from '../stores/sqlite/sqlite-graph-store.js';
import { runGraphToProvBundle } from './run-graph-to-prov-bundle.js';
import { serialiseBundle } from './serialise-bundle.js';
import { checkProv } from './test-support/run-check-prov.js';
import { childRun, inferredRun, ragRun, supersededRun } from './test-support/run-graph-fixtures.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'prov-parity-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * The archive must tell an auditor the same story as the hot store: bundles built from
 * GraphStore.getRun, read by rdflib + SPARQL, reach exactly the data sources that
 * GraphStore.backwardLineage returns for every output.
 */
describe('PROV-O archive vs GraphStore backward lineage (SQLite)', () => {
  for (const consumeChildOutput of [true, false]) {
    it(`agrees for every output (sub-agent output ${consumeChildOutput ? 'linked' : 'reached by spawn only'})`, async () => {
      const store: GraphStore = await openSqliteGraphStore({ path: ':memory:' });
      try {
        const fixtures = [
          ragRun(undefined, undefined, consumeChildOutput),
          childRun(),
          supersededRun(),
          inferredRun(),
        ];
        for (const f of fixtures) {
          const { spans, nodes, edges } = f.graph;
          await store.writeBatch(
            { spans, nodes, edges, links: [], rejected: [] },
            Date.UTC(2026, 10, 24, 10),
          );
        }
        const files: string[] = [];
        for (const f of fixtures) {
          const graph = await store.getRun(f.graph.runId);
          expect(graph).toBeDefined();
          const file = path.join(dir, `${consumeChildOutput}-${f.graph.runId}.jsonld`);
          const doc = runGraphToProvBundle(graph!, { includeContent: false, sequence: 0, generatedAtMs: 0 });
          await fs.writeFile(file, serialiseBundle(doc));
          files.push(file);
        }
        const result = await checkProv(files);
        expect(result.errors).toEqual([]);
        const outputs = Object.entries(result.lineage);
        expect(outputs).toHaveLength(5);
        for (const [outputId, found] of outputs) {
          const api = await store.backwardLineage(found.sha256!);
          expect(api.outputs.map((o) => o.id)).toContain(outputId);
          expect(found.sources.map((s) => s.id)).toEqual(api.sources.map((s) => s.node.id).sort());
        }
      } finally {
        await store.close();
      }
    });
  }
});
