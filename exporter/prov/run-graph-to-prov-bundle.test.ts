import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../model/lineage-record.js';
import type { RunGraph } from '../ports/graph-store.js';
import { PROV_CONTEXT } from './context.js';
import { bundleIri, nodeIri } from './iri.js';
import type { JsonLdNode, ProvBundleDocument } from './prov-document.js';
import { runGraphToProvBundle } from './run-graph-to-prov-bundle.js';
import { serialiseBundle } from './serialise-bundle.js';
import { childRun, inferredRun, ragRun, supersededRun, TRACE } from './test-support/run-graph-fixtures.js';

const AT = Date.UTC(2026, 10, 24, 10);
const opts = { includeContent: false, sequence: 0, generatedAtMs: AT };

function byId(doc: ProvBundleDocument, iri: string): JsonLdNode {
  const n = doc['@graph'].find((x) => x['@id'] === iri);
  if (!n) throw new Error(`no node ${iri}`);
  return n;
}

function values(n: JsonLdNode, prop: string): unknown[] {
  const v = n[prop];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const rag = ragRun();
const doc = runGraphToProvBundle(rag.graph, opts);
const t = (id: string) => nodeIri(id);
const mi2 = `mi:${TRACE.rag}:d9cf8d9381425553`;
const out = `out:${TRACE.rag}:e0d09ea492536664`;
const chunk0 = `ds:${TRACE.rag}:b7ad6b7169203331:0`;
const tool = `ds:${TRACE.rag}:c8be7c8270314442:0`;

describe('runGraphToProvBundle', () => {
  it('produces one prov:Bundle with the inline versioned context', () => {
    expect(doc['@context']).toBe(PROV_CONTEXT);
    expect(doc['@id']).toBe(bundleIri(TRACE.rag, 0));
    expect(doc['@type']).toEqual(['prov:Bundle', 'prov:Entity']);
    expect(doc['prov:generatedAtTime']).toBe('2026-11-24T10:00:00.000Z');
    expect(doc['lin:contextVersion']).toBe('0.1');
    expect(doc['lin:supplements']).toBeUndefined();
  });

  it('maps runs and invocations to activities with xsd:dateTime times and their software agents', () => {
    const run = byId(doc, t(`run:${TRACE.rag}`));
    expect(run['@type']).toEqual(['lin:ExecutionRun', 'prov:Activity']);
    expect(run['prov:startedAtTime']).toBe('2026-11-24T09:30:00.000Z');
    expect(run['prov:endedAtTime']).toBe('2026-11-24T09:30:05.000Z');
    const agents = values(run, 'prov:wasAssociatedWith') as string[];
    expect(agents).toHaveLength(2);
    const agent = byId(doc, agents.find((a) => a.includes('/agent/'))!);
    expect(agent['@type']).toEqual(['prov:Agent', 'prov:SoftwareAgent']);
    const actor = byId(doc, agents.find((a) => a.includes('/actor/'))!);
    expect(actor['@type']).toEqual(['lin:PseudonymousActor', 'prov:Agent']);
    expect(actor['lin:pseudonym']).toBe('psn:9d1c6a0f4e2b');

    const mi = byId(doc, t(mi2));
    expect(mi['@type']).toEqual(['lin:ModelInvocation', 'prov:Activity']);
    const model = byId(doc, mi['prov:wasAssociatedWith'] as string);
    expect(model['@type']).toEqual(['lin:Model', 'prov:Agent', 'prov:SoftwareAgent']);
    expect(model['lin:model']).toBe('gpt-4o-2024-08-06');
    expect(mi['lin:partOfRun']).toBe(t(`run:${TRACE.rag}`));
  });

  it('maps entities with their SHA-256 and data-source properties', () => {
    const ds = byId(doc, t(chunk0));
    expect(ds['@type']).toEqual(['lin:DataSource', 'prov:Entity']);
    expect(ds['lin:sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(ds['lin:indexVersion']).toBe('idx-2026-11-01');
    expect(ds['lin:ingestedAt']).toBe('2026-11-01T08:00:00.000Z');
    expect(ds['lin:score']).toBe(0.9);
    const fo = byId(doc, t(out));
    expect(fo['@type']).toEqual(['lin:FinalOutput', 'prov:Entity']);
    expect(fo['lin:recipient']).toBe('psn:77aa01');
    expect(fo['prov:wasAttributedTo']).toBe('https://agent-lineage.dev/id/agent/loan-agent/1.4.0');
  });

  it('qualifies usage with time and role, and marks inferred edges and nodes', () => {
    const mi = byId(doc, t(mi2));
    expect(values(mi, 'prov:used')).toEqual(expect.arrayContaining([t(chunk0), t(tool)]));
    const usages = (values(mi, 'prov:qualifiedUsage') as string[]).map((q) => byId(doc, q));
    const retrieved = usages.find((u) => u['prov:entity'] === t(chunk0))!;
    expect(retrieved).toMatchObject({
      '@type': 'prov:Usage',
      'prov:atTime': '2026-11-24T09:30:01.000Z',
      'prov:hadRole': 'lin:RetrievedData',
      'lin:edgeType': 'RETRIEVED_FROM',
      'lin:inferred': false,
    });
    const toolUse = usages.find((u) => u['prov:entity'] === t(tool))!;
    expect(toolUse).toMatchObject({ 'prov:hadRole': 'lin:ConsumedInput', 'lin:inferred': true });
    expect(byId(doc, t(tool))['lin:inferred']).toBe(true);
    expect(byId(doc, t(chunk0))['lin:inferred']).toBe(false);
  });

  it('maps CONTRIBUTED_TO from an invocation to generation plus derivation from its artifacts', () => {
    const fo = byId(doc, t(out));
    expect(fo['prov:wasGeneratedBy']).toBe(t(mi2));
    expect(fo['prov:wasDerivedFrom']).toBe(t(`art:${TRACE.rag}:d9cf8d9381425553`));
    const gen = byId(doc, fo['prov:qualifiedGeneration'] as string);
    expect(gen).toMatchObject({
      '@type': 'prov:Generation',
      'prov:activity': t(mi2),
      'lin:edgeType': 'CONTRIBUTED_TO',
    });
    expect(byId(doc, t(`art:${TRACE.rag}:00f067aa0ba902b7`))['prov:wasGeneratedBy']).toBe(
      t(`mi:${TRACE.rag}:00f067aa0ba902b7`),
    );
  });

  it('maps CONTRIBUTED_TO from a data source to derivation', () => {
    const f = inferredRun();
    const d = runGraphToProvBundle(f.graph, opts);
    const fo = byId(d, t(`out:${TRACE.inferred}:bb00000000000003`));
    expect(values(fo, 'prov:wasDerivedFrom')).toContain(t(`ds:${TRACE.inferred}:bb00000000000001:1`));
    expect(d['lin:danglingLinks']).toBe(1);
    expect(byId(d, t(`ds:${TRACE.inferred}:bb00000000000001:0`))['lin:ingestedAtText']).toBe('not a date');
    for (const n of d['@graph']) if (n['lin:edgeId'] !== undefined) expect(n['lin:inferred']).toBe(true);
  });

  it('maps a trigger to wasInformedBy plus a qualified start by the upstream activity', () => {
    const run = byId(doc, t(`run:${TRACE.rag}`));
    const up = t(`up:${TRACE.rag}:f1e1afb5a3647775`);
    expect(run['prov:wasInformedBy']).toBe(up);
    expect(byId(doc, up)['@type']).toEqual(['lin:Upstream', 'prov:Activity']);
    expect(byId(doc, run['prov:qualifiedStart'] as string)).toMatchObject({
      '@type': 'prov:Start',
      'prov:hadActivity': up,
    });
  });

  it('maps SPAWNED_BY to wasInformedBy the parent and declares the parent node as described elsewhere', () => {
    const d = runGraphToProvBundle(childRun().graph, opts);
    const parent = t(`mi:${TRACE.rag}:00f067aa0ba902b7`);
    expect(byId(d, t(`run:${TRACE.child}`))['prov:wasInformedBy']).toBe(parent);
    expect(byId(d, parent)).toEqual({
      '@id': parent,
      '@type': ['lin:ModelInvocation', 'prov:Activity'],
      'lin:describedElsewhere': true,
      'lin:nodeId': `mi:${TRACE.rag}:00f067aa0ba902b7`,
      'lin:runId': TRACE.rag,
    });
  });

  it('maps SUPERSEDED_BY to the new output wasRevisionOf the old one', () => {
    const d = runGraphToProvBundle(supersededRun().graph, opts);
    const newer = byId(d, t(`out:${TRACE.superseded}:aa00000000000005`));
    expect(newer['prov:wasRevisionOf']).toBe(t(`out:${TRACE.superseded}:aa00000000000003`));
    expect(byId(d, newer['prov:qualifiedRevision'] as string)['@type']).toBe('prov:Revision');
  });

  it('writes captured content only when includeContent is set', () => {
    const without = new TextDecoder().decode(serialiseBundle(doc));
    expect(without).not.toContain('lin:content"');
    expect(without).not.toContain('You qualify.');
    expect(without).not.toContain('chunk 0 text');
    const withContent = runGraphToProvBundle(rag.graph, { ...opts, includeContent: true });
    expect(byId(withContent, t(out))['lin:content']).toBe('You qualify.');
    expect(byId(withContent, t(chunk0))['lin:content']).toBe('chunk 0 text');
    expect(withContent['lin:contentIncluded']).toBe(true);
  });

  it('gives byte-identical outputs of two runs two distinct FinalOutput entities', () => {
    const twin = runGraphToProvBundle(ragRun(TRACE.ragTwin).graph, opts);
    const a = byId(doc, t(out));
    const b = byId(twin, t(`out:${TRACE.ragTwin}:e0d09ea492536664`));
    expect(a['@id']).not.toBe(b['@id']);
    expect(a['lin:sha256']).toBe(b['lin:sha256']);
  });

  it('is independent of record order', () => {
    const reversed: RunGraph = {
      ...rag.graph,
      nodes: [...rag.graph.nodes].reverse(),
      edges: [...rag.graph.edges].reverse(),
    };
    expect(serialiseBundle(runGraphToProvBundle(reversed, opts))).toEqual(serialiseBundle(doc));
  });

  it('links a supplementary bundle to the main bundle', () => {
    const late = runGraphToProvBundle(
      { ...rag.graph, nodes: [], edges: rag.graph.edges.slice(0, 1) },
      { ...opts, sequence: 2 },
    );
    expect(late['@id']).toBe(bundleIri(TRACE.rag, 2));
    expect(late['lin:supplements']).toBe(bundleIri(TRACE.rag, 0));
    expect(late['lin:sequence']).toBe(2);
    for (const n of late['@graph']) {
      if (n['lin:nodeId'] !== undefined) expect(n['lin:describedElsewhere']).toBe(true);
    }
  });

  it('derives safe IRIs from hostile node ids and prop keys', () => {
    const hostile: LineageNode = {
      id: 'ds:../x y#z?/%:0',
      kind: 'DataSource',
      runId: 'r',
      spanId: 's',
      startTimeMs: AT,
      inferred: false,
      sha256: 'a'.repeat(64),
      props: {
        '@id': 'http://evil.example/',
        'x:y': 1,
        score: Number.NaN,
        tags: ['b', 'a'],
        none: null,
        partOfRun: '../relative',
        spanStartTime: 'not a time',
      },
    };
    const d = runGraphToProvBundle(
      { runId: 'r', nodes: [hostile], edges: [], spans: [], danglingLinks: 0 },
      opts,
    );
    const n = d['@graph'].find((x) => x['lin:nodeId'] === hostile.id)!;
    expect(n['@id']).toBe('https://agent-lineage.dev/id/node/ds:..%2Fx%20y%23z%3F%2F%25:0');
    expect(n['lin:_x40_id']).toBe('http://evil.example/');
    expect(n['lin:x_x3a_y']).toBe(1);
    expect(n['lin:score']).toBeUndefined();
    expect(n['lin:none']).toBeUndefined();
    expect(n['lin:tags']).toEqual(['a', 'b']);
    // Props named like @id- or dateTime-typed terms are renamed, never reinterpreted.
    expect(n['lin:prop_partOfRun']).toBe('../relative');
    expect(n['lin:prop_spanStartTime']).toBe('not a time');
  });

  it('rejects an invalid sequence or generation time', () => {
    expect(() => runGraphToProvBundle(rag.graph, { ...opts, sequence: -1 })).toThrow(RangeError);
    expect(() => runGraphToProvBundle(rag.graph, { ...opts, generatedAtMs: Number.NaN })).toThrow(RangeError);
  });
});
