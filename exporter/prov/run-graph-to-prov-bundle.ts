import type { LineageNode, NodeKind } from '../model/lineage-record.js';
import type { RunGraph } from '../ports/graph-store.js';
import { PROV_CONTEXT, PROV_CONTEXT_VERSION } from './context.js';
import { GraphBuilder } from './graph-builder.js';
import { bundleIri, nodeIri } from './iri.js';
import { mapEdge } from './map-edge.js';
import { mapNode, runAgentIri } from './map-node.js';
import { kindFromNodeId, provTypesOf, runIdFromNodeId } from './node-kind.js';
import type { ProvBundleDocument, ProvBundleOptions } from './prov-document.js';
import { toDateTime } from './xsd.js';

/**
 * Maps one run's lineage graph to a PROV-O JSON-LD document: a `prov:Bundle` (named
 * graph) with our inline `@context` (DESIGN.md section 2). Pure and deterministic: the
 * same graph and options give a deep-equal document whatever the record order.
 *
 * - ExecutionRun, ModelInvocation, Upstream → prov:Activity; the agent software and the
 *   model version → prov:SoftwareAgent (prov:wasAssociatedWith); the actor pseudonym → prov:Agent.
 * - DataSource, IntermediateArtifact, FinalOutput → prov:Entity with `lin:sha256`; a
 *   FinalOutput is prov:wasAttributedTo the run's agent software.
 * - RETRIEVED_FROM / CONSUMED_BY → prov:used + prov:qualifiedUsage (prov:atTime, prov:hadRole);
 *   PRODUCED_BY → prov:wasGeneratedBy; CONTRIBUTED_TO → prov:wasGeneratedBy (from an invocation,
 *   plus prov:wasDerivedFrom its artifacts) or prov:wasDerivedFrom (from an entity);
 *   TRIGGERED_BY / SPAWNED_BY → prov:wasInformedBy + qualified start (or prov:wasStartedBy
 *   an entity); SUPERSEDED_BY → new output prov:wasRevisionOf old output.
 * - Every node and qualified influence carries `lin:inferred`; content only with includeContent.
 * - Nodes of other runs that edges point to are declared with their type and
 *   `lin:describedElsewhere true`, so the bundle is self-describing yet never restates them.
 *
 * For a supplementary bundle pass a graph holding only the late records and sequence > 0;
 * the document then links the main bundle with `lin:supplements`.
 */
export function runGraphToProvBundle(graph: RunGraph, options: ProvBundleOptions): ProvBundleDocument {
  if (!Number.isSafeInteger(options.sequence) || options.sequence < 0) {
    throw new RangeError(`bundle sequence must be a non-negative integer, got ${options.sequence}`);
  }
  const generatedAt = toDateTime(options.generatedAtMs);
  if (generatedAt === undefined) throw new RangeError(`invalid generatedAtMs ${options.generatedAtMs}`);

  const nodes = [...graph.nodes].sort((a, b) => compare(a.id, b.id));
  const edges = [...graph.edges].sort((a, b) => compare(a.id, b.id));
  const byId = new Map<string, LineageNode>(nodes.map((n) => [n.id, n]));
  const kindOf = (id: string): NodeKind | undefined => byId.get(id)?.kind ?? kindFromNodeId(id);

  const artifactsByProducer = new Map<string, string[]>();
  for (const e of edges) {
    if (e.type !== 'PRODUCED_BY') continue;
    const list = artifactsByProducer.get(e.to) ?? [];
    list.push(e.from);
    artifactsByProducer.set(e.to, list);
  }

  const b = new GraphBuilder();
  for (const n of nodes) mapNode(b, n, options.includeContent);
  // Who delivered an output: the run's agent software (PROV attribution).
  const run = byId.get(`run:${graph.runId}`);
  const agent = run === undefined ? undefined : runAgentIri(run.props);
  if (agent !== undefined) {
    for (const n of nodes) if (n.kind === 'FinalOutput') b.add(nodeIri(n.id), 'prov:wasAttributedTo', agent);
  }
  for (const e of edges) {
    for (const end of [e.from, e.to]) if (!byId.has(end)) declareForeignNode(b, end, kindOf(end));
    mapEdge(b, e, { artifactsByProducer, kindOf });
  }

  const doc: ProvBundleDocument = {
    '@context': PROV_CONTEXT,
    '@id': bundleIri(graph.runId, options.sequence),
    '@type': ['prov:Bundle', 'prov:Entity'],
    'lin:contextVersion': PROV_CONTEXT_VERSION,
    'lin:runId': graph.runId,
    'lin:sequence': options.sequence,
    'lin:danglingLinks': graph.danglingLinks,
    'lin:contentIncluded': options.includeContent,
    'prov:generatedAtTime': generatedAt,
    ...(options.sequence > 0 ? { 'lin:supplements': bundleIri(graph.runId, 0) } : {}),
    '@graph': b.build(),
  };
  return doc;
}

/** Declares a node described in another bundle (another run, or this run's main bundle). */
function declareForeignNode(b: GraphBuilder, nodeId: string, kind: NodeKind | undefined): void {
  const iri = nodeIri(nodeId);
  b.addType(iri, ...provTypesOf(kind));
  b.add(iri, 'lin:nodeId', nodeId);
  b.add(iri, 'lin:describedElsewhere', true);
  const runId = runIdFromNodeId(nodeId);
  if (runId !== undefined) b.add(iri, 'lin:runId', runId);
}

/** Code-unit order: locale-independent, so every machine sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
