import type { RunGraph } from '../../exporter/ports/graph-store.js';
import { openSqlite } from '../../exporter/stores/sqlite/sqlite-driver.js';
import { openSqliteGraphStore } from '../../exporter/stores/sqlite/sqlite-graph-store.js';

/** Whole-store counts read straight from the SQLite file of a stopped server. */
export interface StoreTotals {
  readonly runIds: readonly string[];
  readonly spans: number;
  readonly nodes: number;
  /** Node ids stored more than once (must be empty: ingest is idempotent). */
  readonly duplicateNodeIds: readonly string[];
}

/**
 * Reads totals with plain SQL. This knows the hot-tier schema (sqlite-schema.ts) on purpose:
 * a duplicate row is exactly what the port's `getRun` might hide, so it is counted at the source.
 * Only call it after the server process has exited (one writer per file).
 */
export function readStoreTotals(databasePath: string): StoreTotals {
  const db = openSqlite(databasePath);
  try {
    const count = (sql: string) => Number(db.prepare(sql).get()?.n ?? 0);
    return {
      runIds: db
        .prepare('SELECT run_id FROM runs ORDER BY run_id')
        .all()
        .map((row) => String(row.run_id)),
      spans: count('SELECT count(*) AS n FROM spans'),
      nodes: count('SELECT count(*) AS n FROM nodes'),
      duplicateNodeIds: db
        .prepare('SELECT id FROM nodes GROUP BY rid, id HAVING count(*) > 1')
        .all()
        .map((row) => String(row.id)),
    };
  } finally {
    db.close();
  }
}

/** Each run's graph through the GraphStore port (undefined for a run the store does not know). */
export async function readRunGraphs(
  databasePath: string,
  runIds: Iterable<string>,
): Promise<Map<string, RunGraph | undefined>> {
  const store = await openSqliteGraphStore({ path: databasePath });
  try {
    const graphs = new Map<string, RunGraph | undefined>();
    for (const runId of runIds) graphs.set(runId, await store.getRun(runId));
    return graphs;
  } finally {
    await store.close();
  }
}

/** The parts of `GET /lineage/runs/{id}?format=graph` the tests read. */
export interface ApiRunGraph {
  readonly runId: string;
  readonly nodes: readonly {
    readonly id: string;
    readonly kind: string;
    readonly spanId: string;
    readonly props: Record<string, unknown>;
  }[];
  readonly edges: readonly { readonly id: string }[];
  readonly finalisation?: { readonly archiveKey: string; readonly sequence: number };
}

/** A small client of the running server's Lineage API, authenticated as engineering. */
export interface LineageApiClient {
  /** The run's plain graph, or undefined on 404. Throws on any other non-200. */
  runGraph(runId: string): Promise<ApiRunGraph | undefined>;
  /** GET with the engineering token; the raw response. */
  get(path: string): Promise<Response>;
  /** Value of a Prometheus counter or gauge without labels, from /metrics. */
  metric(name: string): Promise<number>;
}

/** Creates an API client for `apiUrl` with the engineering bearer `token`. */
export function lineageApiClient(apiUrl: string, token: string): LineageApiClient {
  const get = (path: string) => fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    get,
    async runGraph(runId) {
      const res = await get(`/lineage/runs/${encodeURIComponent(runId)}?format=graph`);
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (res.status !== 200) throw new Error(`GET run ${runId}: ${res.status} ${await res.text()}`);
      return (await res.json()) as ApiRunGraph;
    },
    async metric(name) {
      const res = await get('/metrics');
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text}`);
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? 0 : Number(line.slice(name.length + 1));
    },
  };
}
