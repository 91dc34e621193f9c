import type { EdgeType, LineageEdge, LineageNode, LinkIntent } from '../model/lineage-record.js';

/** Deterministic edge id, so the same edge written twice is one row. */
export function edgeId(type: EdgeType, from: string, to: string): string {
  return `${type}:${from}>${to}`;
}

function edge(intent: LinkIntent, type: EdgeType, from: string, to: string): LineageEdge {
  return {
    id: edgeId(type, from, to),
    type,
    from,
    to,
    runId: intent.runId,
    inferred: intent.inferred,
    timeMs: intent.timeMs,
  };
}

function kindOf(id: string): string {
  return id.slice(0, id.indexOf(':'));
}

/**
 * Turns a span link into edges once the nodes of its target span are known. Pure.
 * `targetNodes` are all nodes whose (runId, spanId) equal the link's target; when the
 * link names an entity hash, only nodes with that sha256 (or the producer of such an
 * artifact) are meant. An empty result means the link has no lineage meaning for that
 * target (for example `consumed` pointing at a run span) — it is resolved, not dangling.
 */
export function resolveLink(intent: LinkIntent, targetNodes: readonly LineageNode[]): LineageEdge[] {
  const narrowed = intent.entitySha256
    ? targetNodes.filter((n) => n.sha256 === intent.entitySha256 || n.kind === 'ModelInvocation')
    : targetNodes;
  // An artifact hash names the model invocation's output; keep the invocation only if its artifact matched.
  const artifactMatched = narrowed.some((n) => n.kind === 'IntermediateArtifact');
  const candidates = intent.entitySha256
    ? narrowed.filter(
        (n) =>
          n.kind !== 'ModelInvocation' || artifactMatched || n.props.outputSha256 === intent.entitySha256,
      )
    : narrowed;
  const from = intent.fromNode;
  const fromKind = kindOf(from);
  const out: LineageEdge[] = [];
  const byKind = (k: LineageNode['kind']) => candidates.filter((n) => n.kind === k);

  switch (intent.linkType) {
    case 'consumed': {
      for (const ds of byKind('DataSource')) {
        if (fromKind === 'out') out.push(edge(intent, 'CONTRIBUTED_TO', ds.id, from));
        else if (ds.props.sourceKind === 'tool_output') out.push(edge(intent, 'CONSUMED_BY', ds.id, from));
        else out.push(edge(intent, 'RETRIEVED_FROM', from, ds.id));
      }
      const artifacts = byKind('IntermediateArtifact');
      if (fromKind === 'out') {
        for (const mi of byKind('ModelInvocation')) out.push(edge(intent, 'CONTRIBUTED_TO', mi.id, from));
      } else {
        for (const art of artifacts) out.push(edge(intent, 'CONSUMED_BY', art.id, from));
      }
      for (const fo of byKind('FinalOutput')) {
        out.push(edge(intent, fromKind === 'out' ? 'CONTRIBUTED_TO' : 'CONSUMED_BY', fo.id, from));
      }
      break;
    }
    case 'contributed_to': {
      for (const mi of byKind('ModelInvocation')) out.push(edge(intent, 'CONTRIBUTED_TO', mi.id, from));
      for (const ds of byKind('DataSource')) out.push(edge(intent, 'CONTRIBUTED_TO', ds.id, from));
      for (const fo of byKind('FinalOutput')) out.push(edge(intent, 'CONTRIBUTED_TO', fo.id, from));
      break;
    }
    case 'spawned_by': {
      const primary = candidates.filter((n) => n.kind !== 'IntermediateArtifact' && n.kind !== 'Upstream');
      for (const n of primary) if (n.id !== from) out.push(edge(intent, 'SPAWNED_BY', from, n.id));
      break;
    }
    case 'supersedes': {
      for (const fo of byKind('FinalOutput'))
        if (fo.id !== from) out.push(edge(intent, 'SUPERSEDED_BY', fo.id, from));
      break;
    }
    case 'triggered_by':
      // The mapping records triggers directly as an Upstream node + TRIGGERED_BY edge; nothing to resolve.
      break;
  }
  return out;
}
