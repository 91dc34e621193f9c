import type { NodeKind } from '../model/lineage-record.js';

const PREFIX_KIND: Readonly<Record<string, NodeKind>> = {
  run: 'ExecutionRun',
  mi: 'ModelInvocation',
  ds: 'DataSource',
  art: 'IntermediateArtifact',
  out: 'FinalOutput',
  up: 'Upstream',
};

/**
 * Kind of a node known only by id (an edge may point into another run's bundle).
 * Node ids are `{prefix}:{trace}:…` (see lineage-record.ts); unknown prefixes give undefined.
 */
export function kindFromNodeId(nodeId: string): NodeKind | undefined {
  const colon = nodeId.indexOf(':');
  if (colon <= 0) return undefined;
  return PREFIX_KIND[nodeId.slice(0, colon)];
}

/** Run id encoded in a node id (`{prefix}:{trace}:…`), or undefined when the id is not in that form. */
export function runIdFromNodeId(nodeId: string): string | undefined {
  const parts = nodeId.split(':');
  return parts.length >= 2 && parts[1] !== '' ? parts[1] : undefined;
}

/** PROV-O class of a lineage node kind: runs, invocations and upstream spans are activities, the rest entities. */
export function isActivityKind(kind: NodeKind | undefined): boolean {
  return kind === 'ExecutionRun' || kind === 'ModelInvocation' || kind === 'Upstream';
}

/** The `@type` values of a lineage node kind: its PROV-O class plus our `lin:` class. */
export function provTypesOf(kind: NodeKind | undefined): readonly string[] {
  if (kind === undefined) return ['prov:Entity'];
  return [isActivityKind(kind) ? 'prov:Activity' : 'prov:Entity', `lin:${kind}`];
}
