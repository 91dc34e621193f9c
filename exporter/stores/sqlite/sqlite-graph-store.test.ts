import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GraphStore } from '../../ports/graph-store.js';
import { describeGraphStoreContract } from '../graph-store-contract.js';
import { buildAgentRun, link, mergeBatches, traceIdOf } from '../test-support/lineage-fixtures.js';
import { LineageWalker } from './lineage-walk.js';
import { openSqlite, selectSqliteDriver } from './sqlite-driver.js';
import { openSqliteGraphStore, type SqliteGraphStore } from './sqlite-graph-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lineage-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const emptyBatch = () => ({ spans: [], nodes: [], edges: [], links: [], rejected: [] });
const pathOf = new WeakMap<GraphStore, string>();

async function makeStore(): Promise<SqliteGraphStore> {
  const path = join(dir, `store-${counter++}.db`);
  const store = await openSqliteGraphStore({ path });
  pathOf.set(store, path);
  return store;
}

describeGraphStoreContract(`sqlite (${selectSqliteDriver()})`, makeStore, {
  reopen: async (store) => {
    const path = pathOf.get(store);
    if (path === undefined) throw new Error('not a store from makeStore');
    await store.close();
    const again = await openSqliteGraphStore({ path });
    pathOf.set(again, path);
    return again;
  },
});

describe('SqliteGraphStore specifics', () => {
  it('uses node:sqlite when the runtime has it, better-sqlite3 otherwise', async () => {
    const store = await makeStore();
    const [major = 0] = process.versions.node.split('.').map(Number);
    if (process.env.LINEAGE_SQLITE_DRIVER === undefined) {
      expect(store.driver).toBe(major >= 24 ? 'node:sqlite' : 'better-sqlite3');
    }
    await store.close();
  });

  it('creates new files with 16 KiB pages, keeps the page size of an existing file, refuses odd sizes', async () => {
    const store = await makeStore();
    expect(store.pragmas()).toEqual({ pageSize: 16_384, walAutocheckpointPages: 2560 });
    const path = pathOf.get(store)!;
    await store.writeBatch(buildAgentRun({ traceId: traceIdOf('ps'), startMs: 1 }).batch, 10);
    await store.close();
    const again = await openSqliteGraphStore({ path, pageSize: 4096 });
    expect(again.pragmas().pageSize).toBe(16_384);
    await again.close();
    const small = await openSqliteGraphStore({ path: join(dir, `store-${counter++}.db`), pageSize: 4096 });
    expect(small.pragmas()).toEqual({ pageSize: 4096, walAutocheckpointPages: 10_240 });
    await small.close();
    await expect(openSqliteGraphStore({ path: join(dir, 'odd.db'), pageSize: 5000 })).rejects.toThrow(
      /pageSize must be a power of two/,
    );
  });

  it('keeps one key per source id when another writer added it, and after a reopen', async () => {
    // A fresh store knows every source id it holds and skips the lookup of ids it has not
    // cached; a second connection writing the same file must switch that shortcut off.
    const a = await makeStore();
    const path = pathOf.get(a)!;
    const b = await openSqliteGraphStore({ path });
    const shared = (step: number, n: number) => `kb://shared/${step}-${n}`;
    const r1 = buildAgentRun({ traceId: traceIdOf('sk-1'), startMs: 1, steps: 2, sourceId: shared });
    const r2 = buildAgentRun({ traceId: traceIdOf('sk-2'), startMs: 2, steps: 2, sourceId: shared });
    const r3 = buildAgentRun({ traceId: traceIdOf('sk-3'), startMs: 3, steps: 2, sourceId: shared });
    await b.writeBatch(r1.batch, 10);
    await a.writeBatch(r2.batch, 11);
    await b.close();
    await a.close();
    const reopened = await openSqliteGraphStore({ path });
    await reopened.writeBatch(r3.batch, 12);
    const page = await reopened.forwardLineage('kb://shared/0-0', { limit: 10 });
    expect(page.items.map((h) => h.runId).sort()).toEqual([r1.runId, r2.runId, r3.runId].sort());
    await reopened.close();
    const raw = openSqlite(path);
    const rows = raw
      .prepare(
        "SELECT source_id, count(*) AS n FROM (SELECT source_id FROM sources UNION ALL SELECT source_id FROM sources_recent) WHERE source_id LIKE 'kb://shared/%' GROUP BY source_id",
      )
      .all();
    raw.close();
    expect(rows).toHaveLength(r1.sourceIds.filter((s) => s.startsWith('kb://shared/')).length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('recomputing every stored record hash matches, and a tampered record is caught', async () => {
    const store = await makeStore();
    const parent = buildAgentRun({ traceId: traceIdOf('h-p'), startMs: 1 });
    const child = buildAgentRun({ traceId: traceIdOf('h-c'), startMs: 2, spawnedBy: parent.toolSpan });
    await store.writeBatch(mergeBatches([parent.batch, child.batch]), 10);
    const ok = store.verifyRecordHashes();
    expect(ok.nodesChecked).toBe(parent.batch.nodes.length + child.batch.nodes.length);
    expect(ok.edgesChecked).toBeGreaterThan(50);
    expect(ok.mismatches).toEqual([]);
    const path = pathOf.get(store)!;
    await store.close();
    const raw = openSqlite(path);
    raw
      .prepare(
        "UPDATE nodes SET rec = replace(rec, 'gpt-4o', 'gpt-4x') WHERE kind = 2 AND nid = (SELECT min(nid) FROM nodes WHERE kind = 2)",
      )
      .run();
    raw
      .prepare(
        'UPDATE edges SET time_ms = time_ms + 1 WHERE from_nid = (SELECT min(from_nid) FROM edges WHERE type = 3) AND type = 3',
      )
      .run();
    raw.close();
    const reopened = await openSqliteGraphStore({ path });
    const bad = reopened.verifyRecordHashes();
    expect(bad.mismatches.length).toBeGreaterThanOrEqual(2);
    await reopened.close();
  });

  it('reopens a file and reads the same run and sizes', async () => {
    const path = join(dir, 'reopen.db');
    const store = await openSqliteGraphStore({ path });
    const run = buildAgentRun({ traceId: traceIdOf('reopen'), startMs: 1 });
    await store.writeBatch(run.batch, 10);
    const g = await store.getRun(run.runId);
    await store.close();
    const again = await openSqliteGraphStore({ path });
    expect(await again.getRun(run.runId)).toEqual(g);
    expect(again.stats().nodes).toBe(run.batch.nodes.length);
    await again.close();
  });

  // Both drivers load only on Node 22 (no node:sqlite on 20; better-sqlite3 aborts on 24).
  const bothDrivers = Number(process.versions.node.split('.')[0]) === 22;
  if (!bothDrivers) {
    console.warn(
      `cross-driver test skipped on Node ${process.versions.node}: both SQLite drivers load only on Node 22 ` +
        '(bench:query on Node 24 reads a store better-sqlite3 wrote on Node 20)',
    );
  }
  it.runIf(bothDrivers)('reads with one driver what the other wrote', async () => {
    const path = join(dir, 'cross-driver.db');
    const a = await openSqliteGraphStore({ path, driver: 'better-sqlite3' });
    const run = buildAgentRun({ traceId: traceIdOf('cross'), startMs: 1 });
    await a.writeBatch(run.batch, 10);
    const g = await a.getRun(run.runId);
    await a.close();
    const b = await openSqliteGraphStore({ path, driver: 'node:sqlite' });
    expect(await b.getRun(run.runId)).toEqual(g);
    await b.close();
  });

  it('answers forward lineage the same before and after ds_open_recent is merged', async () => {
    const path = join(dir, 'merge.db');
    const store = await openSqliteGraphStore({ path, openMergeThreshold: 7 });
    const runs = Array.from({ length: 6 }, (_, i) =>
      buildAgentRun({
        traceId: traceIdOf(`merge-${i}`),
        startMs: i * 10,
        steps: 1,
        sourcesPerRetrieval: 2,
        sourceId: (_k, n) => (n === 0 ? 'kb://shared' : `kb://own/${i}`),
      }),
    );
    // One batch per run: the merge threshold is crossed part-way.
    for (const r of runs) await store.writeBatch(r.batch, 100);
    const page = await store.forwardLineage('kb://shared', { limit: 100 });
    expect(page.items.map((i) => i.runId)).toEqual(runs.map((r) => r.runId).reverse());
    await store.markFinalised(runs[0]!.runId, {
      finalisedAtMs: 1,
      sequence: 0,
      archiveKey: 'k',
      bundleSha256: 'b',
    });
    expect(await store.forwardLineage('kb://shared', { limit: 100 })).toEqual(page);
    await store.close();
    const again = await openSqliteGraphStore({ path, openMergeThreshold: 7 });
    expect(await again.forwardLineage('kb://shared', { limit: 100 })).toEqual(page);
    await again.close();
  });

  it('keeps one key per source id across sources_recent merges and reopening', async () => {
    const path = join(dir, 'source-merge.db');
    const runs = Array.from({ length: 7 }, (_, i) =>
      buildAgentRun({
        traceId: traceIdOf(`src-merge-${i}`),
        startMs: i * 10,
        steps: 1,
        sourcesPerRetrieval: 3,
        sourceId: (_k, n) => (n === 0 ? 'kb://shared' : `kb://own/${i}/${n}`),
      }),
    );
    const store = await openSqliteGraphStore({ path, sourceMergeThreshold: 4 });
    // One batch per run: merges happen part-way, and the shared id is in either level.
    for (const r of runs.slice(0, 4)) await store.writeBatch(r.batch, 100);
    await store.close();
    // Reopened: cold key caches, so ids are found in the tables, not in memory.
    const again = await openSqliteGraphStore({ path, sourceMergeThreshold: 4 });
    for (const r of runs.slice(4)) await again.writeBatch(r.batch, 100);
    const page = await again.forwardLineage('kb://shared', { limit: 100 });
    expect(page.items.map((i) => i.runId)).toEqual(runs.map((r) => r.runId).reverse());
    const own = await again.forwardLineage('kb://own/2/1', { limit: 100 });
    expect(own.items.map((i) => i.runId)).toEqual([runs[2]!.runId]);
    expect(again.verifyRecordHashes().mismatches).toEqual([]);
    await again.close();
    const raw = openSqlite(path);
    const keys = raw
      .prepare('SELECT src, source_id FROM sources UNION ALL SELECT src, source_id FROM sources_recent')
      .all();
    raw.close();
    expect(new Set(keys.map((k) => k.source_id)).size).toBe(keys.length);
    expect(new Set(keys.map((k) => k.src)).size).toBe(keys.length);
    expect(keys.length).toBe(1 + runs.length * 2 + runs.length); // shared + own + tool outputs
  });

  it('migrates a version-1 file and refuses a file from a newer version', async () => {
    const path = join(dir, 'schema-v1.db');
    const store = await openSqliteGraphStore({ path });
    const first = buildAgentRun({ traceId: traceIdOf('v1-a'), startMs: 1, sourceId: () => 'kb://v1' });
    await store.writeBatch(first.batch, 10);
    await store.close();
    // What version 1 wrote: no sources_recent, every key in sources.
    let raw = openSqlite(path);
    raw.exec(`INSERT INTO sources(src, source_id) SELECT src, source_id FROM sources_recent;
              DROP TABLE sources_recent; UPDATE meta SET value = '1' WHERE key = 'schema_version'`);
    raw.close();
    const migrated = await openSqliteGraphStore({ path });
    const second = buildAgentRun({ traceId: traceIdOf('v1-b'), startMs: 2, sourceId: () => 'kb://v1' });
    await migrated.writeBatch(second.batch, 20);
    const page = await migrated.forwardLineage('kb://v1', { limit: 10 });
    expect(page.items.map((i) => i.runId)).toEqual([second.runId, first.runId]);
    await migrated.close();
    raw = openSqlite(path);
    expect(raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get()?.value).toBe('2');
    raw.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    raw.close();
    await expect(openSqliteGraphStore({ path })).rejects.toThrow(
      'unsupported lineage store schema version 99 (expected 2)',
    );
  });

  it('walks backward identically with the recursive CTE and the stepwise BFS', async () => {
    const path = join(dir, 'walk.db');
    const store = await openSqliteGraphStore({ path });
    const runs: ReturnType<typeof buildAgentRun>[] = [];
    for (let i = 0; i < 4; i++) {
      const parent = runs[i - 1];
      runs.push(
        buildAgentRun({
          traceId: traceIdOf(`walk-${i}`),
          startMs: i,
          steps: 3,
          sourcesPerRetrieval: 2,
          ...(parent ? { spawnedBy: parent.toolSpan } : {}),
        }),
      );
    }
    // A cross-run cycle: the top run is also "spawned" from the deepest run's tool span.
    const cycle = link('spawned_by', `run:${runs[0]!.runId}`, runs[0]!.runId, runs[3]!.toolSpan, 0);
    await store.writeBatch(
      mergeBatches([...runs.map((r) => r.batch), { ...emptyBatch(), links: [cycle] }]),
      10,
    );
    await store.close();
    const db = openSqlite(path);
    const walker = new LineageWalker(db);
    const out = db.prepare('SELECT nid, rid FROM nodes WHERE kind = 5 ORDER BY nid').all();
    for (const o of out) {
      const start = { nid: Number(o.nid), kind: 5, rid: Number(o.rid), src: null };
      for (const depth of [0, 1, 2, 3, 5, 8, 13, 64]) {
        const a = walker.backward(start, depth);
        const b = walker.backwardStepwise(start, depth);
        expect([...a.sources.entries()].sort()).toEqual([...b.sources.entries()].sort());
        expect(a.truncated).toBe(b.truncated);
        expect([...a.rids].sort()).toEqual([...b.rids].sort());
      }
    }
    db.close();
  });

  it('refuses an unknown LINEAGE_SQLITE_DRIVER', () => {
    expect(() => selectSqliteDriver({ LINEAGE_SQLITE_DRIVER: 'sqlite4' })).toThrow(/LINEAGE_SQLITE_DRIVER/);
    expect(selectSqliteDriver({ LINEAGE_SQLITE_DRIVER: 'better-sqlite3' })).toBe('better-sqlite3');
  });
});

describe('canonicalJson', () => {
  it('matches the canonicalize package (RFC 8785) on lineage records', async () => {
    const { default: canonicalize } = await import('canonicalize');
    const { canonicalEdgeJson, normaliseEdge, splitNode } = await import('./record-hash.js');
    const { canonicalJson } = await import('../../hashing/canonical-json.js');
    const run = buildAgentRun({ traceId: traceIdOf('jcs'), startMs: 1, sourceId: () => 'ü\u0000"\\😀' });
    const samples: unknown[] = [
      ...run.batch.nodes,
      ...run.batch.edges,
      ...run.batch.links,
      {
        a: [1, 'x', null, true, { z: 1e21, y: -0, x: 0.1 + 0.2 }],
        '\u00e9': 1,
        e: 2,
        E: 3,
        undef: undefined,
      },
    ];
    for (const s of samples) expect(canonicalJson(s)).toBe(canonicalize(s));
    // splitNode has a fixed-shape fast path and a generic one: both must equal RFC 8785 for
    // the whole node (hashed) and for the node without its column fields (stored).
    const base = run.batch.nodes.find((n) => n.kind === 'DataSource')!;
    const { endTimeMs: _end, sha256: _sha, ...bare } = base;
    const shapes: unknown[] = [
      ...run.batch.nodes,
      bare, // no optional fields
      { ...base, id: 'ds:é\u2028:"x"', runId: 'r\\1' }, // strings needing escapes
      { ...base, extra: { b: 1, a: [2] } }, // a key NodeBase does not have
      { ...base, sha256: null }, // a field of an unexpected type
      { ...base, inferred: 'yes' },
      { ...base, endTimeMs: undefined },
    ];
    for (const n of shapes) {
      const { full, rest } = splitNode(n as (typeof run.batch.nodes)[number]);
      const {
        id: _i,
        kind: _k,
        runId: _r,
        spanId: _s,
        startTimeMs: _t0,
        ...stored
      } = n as Record<string, unknown>;
      expect(full).toBe(canonicalize(n));
      expect(rest).toBe(canonicalize(stored));
    }
    for (const e of run.batch.edges) expect(canonicalEdgeJson(normaliseEdge(e))).toBe(canonicalize(e));
    // With a default id (`{type}:{from}>{to}`) the id's JSON is built from its parts'.
    const odd = { from: 'mi:é"\\\u0001:😀', to: 'ds:\u2028<>:x', type: 'RETRIEVED_FROM' as const };
    for (const e of [...run.batch.edges, { ...run.batch.edges[0]!, ...odd }]) {
      const withDefaultId = { ...normaliseEdge(e), id: `${e.type}:${e.from}>${e.to}` };
      expect(canonicalEdgeJson(withDefaultId, true)).toBe(canonicalize(withDefaultId));
    }
    const { timeMs: _t, ...untimed } = run.batch.edges[0]!;
    expect(canonicalEdgeJson(untimed)).toBe(canonicalize(untimed));
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
    expect(() => canonicalJson({ x: '\ud800' })).toThrow();
  });
});
