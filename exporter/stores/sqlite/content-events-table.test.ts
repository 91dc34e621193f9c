import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunFinaliser } from '../../finalise/run-finaliser.js';
import { readContentEvents } from '../../logs/read-content-events.js';
import { contentFreeRun, officialContentLogs } from '../../logs/test-support/official-content-logs.js';
import { GEN_AI_TEXT as X } from '../../mapping/test-support/gen-ai-run.js';
import type { GraphStore } from '../../ports/graph-store.js';
import { describeContentEventsContract } from '../content-events-contract.js';
import { FsArchiveStore } from '../fs-archive/fs-archive-store.js';
import { openSqliteGraphStore, type SqliteGraphStore } from './sqlite-graph-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lineage-content-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const pathOf = new WeakMap<GraphStore, string>();

async function makeStore(): Promise<SqliteGraphStore> {
  const path = join(dir, `store-${counter++}.db`);
  const store = await openSqliteGraphStore({ path });
  pathOf.set(store, path);
  return store;
}

describeContentEventsContract('sqlite', makeStore, async (store) => {
  const path = pathOf.get(store);
  if (path === undefined) throw new Error('not a store from makeStore');
  await store.close();
  const again = await openSqliteGraphStore({ path });
  pathOf.set(again, path);
  return again;
});

describe('content events through finalisation (SQLite + filesystem archive)', () => {
  it('logs that arrive before their spans, across a restart, fill the run at finalisation; content is then gone from the file', async () => {
    const { batch } = contentFreeRun();
    const runId = batch.spans[0]!.runId;
    const path = join(dir, `restart-${counter++}.db`);
    let store = await openSqliteGraphStore({ path });
    const { events } = readContentEvents(officialContentLogs());
    // One record per export, as a SimpleLogRecordProcessor delivers them, before any span.
    for (const e of events) await store.writeContentEvents([e], 1_000);
    await store.close();
    store = await openSqliteGraphStore({ path });
    await store.writeBatch(batch, 2_000);
    const archive = new FsArchiveStore({ root: join(dir, `archive-${counter++}`) });
    const finaliser = new RunFinaliser({ store, archive, settleMs: 0 });
    expect(await finaliser.tick(0)).toBe(1);

    const graph = await store.getRun(runId);
    const outputs = graph?.nodes.filter((n) => n.kind === 'FinalOutput') ?? [];
    expect(outputs).toHaveLength(1);
    expect(outputs[0]?.sha256).toBe(createHash('sha256').update(X.answer).digest('hex'));
    expect(graph?.nodes.filter((n) => n.kind === 'IntermediateArtifact')).toHaveLength(2);
    expect(graph?.edges.some((e) => e.type === 'CONSUMED_BY' && e.inferred)).toBe(true);
    expect(await store.contentEvents(runId)).toEqual([]);
    expect(store.verifyRecordHashes().mismatches).toEqual([]);
    const completeness = await store.completeness({ runIds: [runId] });
    expect(completeness.runsWithoutFinalOutput).toEqual([]);
    expect(completeness.orphanNodes).toEqual([]);

    // The bundle carries the filled hashes; with capture off, no message text reaches it or the database.
    const bundleKey = graph?.finalisation?.archiveKey ?? '';
    const bundle = Buffer.from(await archive.get(bundleKey)).toString('utf8');
    expect(bundle).toContain(outputs[0]?.sha256);
    expect(bundle).not.toContain(X.answer);
    store.checkpoint();
    await store.close();
    await archive.close();
    const files = readdirSync(dir).filter((f) => f.startsWith(path.split('/').pop()!));
    for (const f of files) {
      if (statSync(join(dir, f)).size === 0) continue;
      expect(readFileSync(join(dir, f)).includes(Buffer.from(X.answer)), f).toBe(false);
    }
  });

  it('the finaliser deletes content whose run never arrived once it expires, and says so', async () => {
    const store = await makeStore();
    const archive = new FsArchiveStore({ root: join(dir, `archive-${counter++}`) });
    let now = 10_000;
    const lines: string[] = [];
    const finaliser = new RunFinaliser({
      store,
      archive,
      contentTtlMs: 5_000,
      now: () => now,
      log: (line) => lines.push(line),
    });
    const { events } = readContentEvents(officialContentLogs());
    await store.writeContentEvents(events, now);
    await finaliser.tick(0);
    expect(await store.contentEvents(events[0]!.runId)).toHaveLength(events.length);
    now += 5_001;
    await finaliser.tick(0);
    expect(await store.contentEvents(events[0]!.runId)).toEqual([]);
    expect(lines).toEqual([
      expect.stringMatching(/deleted 7 content log record\(s\) whose run never arrived/),
    ]);
    await store.close();
    await archive.close();
  });

  it('deleted content is overwritten on disk, also a long prompt that spilled into overflow pages', async () => {
    const path = join(dir, `secure-${counter++}.db`);
    const store = await openSqliteGraphStore({ path });
    // 20 KB: several overflow pages; the markers sit at the start and deep in the tail.
    const prompt = `HEAD-MARKER-${'x'.repeat(20_000)}-TAIL-MARKER-7f3a`;
    await store.writeContentEvents(
      [
        {
          runId: '5'.repeat(32),
          spanId: '6'.repeat(16),
          timeNs: '1'.padStart(20, '0'),
          key: 'k',
          input: [{ role: 'user', content: prompt }],
          output: [],
        },
      ],
      1_000,
    );
    expect(await store.pruneContentEvents(2_000)).toBe(1);
    store.checkpoint();
    await store.close();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from('TAIL-MARKER-7f3a'))).toBe(false);
    expect(bytes.includes(Buffer.from('HEAD-MARKER'))).toBe(false);
  });
});
