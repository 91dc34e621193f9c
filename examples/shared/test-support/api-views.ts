/** The parts of Lineage API answers the example tests read (see service/api/README.md). */

/** A node as `GET /lineage/runs/{id}?format=graph` returns it. */
export interface GraphNode {
  readonly id: string;
  readonly kind: string;
  readonly runId: string;
  readonly sha256?: string;
  readonly inferred: boolean;
  readonly props: Readonly<Record<string, unknown>>;
}

/** An edge of the run graph. */
export interface GraphEdge {
  readonly id: string;
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly inferred: boolean;
}

/** `GET /lineage/runs/{id}?format=graph`. */
export interface RunGraphView {
  readonly runId: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly danglingLinks: number;
  readonly finalisation?: { readonly archiveKey: string; readonly bundleSha256: string };
}

/** `GET /lineage/outputs/{sha256}/sources`. */
export interface OutputSourcesView {
  readonly outputSha256: string;
  readonly outputs: readonly GraphNode[];
  readonly sources: readonly {
    readonly node: GraphNode;
    readonly depth: number;
    readonly viaRunId: string;
  }[];
  readonly truncated: boolean;
}

/** `GET /lineage/datasources/{id}/outputs`. */
export interface DatasourceOutputsView {
  readonly items: readonly {
    readonly outputId: string;
    readonly outputSha256: string;
    readonly runId: string;
    readonly timeMs: number;
  }[];
  readonly nextCursor?: string;
}

/** One item of a PROV-O bundle's `@graph` (`GET /lineage/runs/{id}`). */
export type JsonLdItem = Readonly<Record<string, unknown>>;

/** The `@graph` items of a bundle that carry the given `@type`. */
export function itemsOfType(
  bundle: { readonly '@graph'?: readonly JsonLdItem[] },
  type: string,
): JsonLdItem[] {
  return (bundle['@graph'] ?? []).filter((item) => {
    const types = item['@type'];
    return Array.isArray(types) ? types.includes(type) : types === type;
  });
}
