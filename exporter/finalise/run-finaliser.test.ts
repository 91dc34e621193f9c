import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GraphStore, RunFinalisation } from '../ports/graph-store.js';
import { FsArchiveStore } from '../stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore, type SqliteGraphStore } from '../stores/sqlite/sqlite-graph-store.js';
import { buildAgentRun, traceIdOf } from '../stores/test-support/lineage-fixtures.js';
import { type FinalisedRun, RunFinaliser } from './run-finaliser.js';

const T0 = Date.UTC(2026, 0, 1);

let dir: string;
let store: SqliteGraphStore;
let archive: FsArchiveStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-finaliser-'));
  store = await openSqliteGraphStore({ path: join(dir, 'lineage.db') });
  archive = new FsArchiveStore({ root: join(dir, 'archive') });
});

afterEach(async () => {
  await store.close();
  await archive.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeRuns(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const run = buildAgentRun({ traceId: traceIdOf(`finaliser-${i}`), startMs: T0 + i * 1000, steps: 2 });
    await store.writeBatch(run.batch, T0);
    ids.push(run.runId);
  }
  return ids;
}

/**
 * The real store with faults injected into its two recording methods (the failure a full
 * disk or a locked database would give), counting the calls.
 */
function faultyStore(failMany: boolean, failRun: string | undefined) {
  const calls = { many: 0, one: 0 };
  const wrapped = new Proxy(store as GraphStore, {
    get(target, property, receiver) {
      if (property === 'markFinalisedMany') {
        return async (entries: readonly { runId: string; finalisation: RunFinalisation }[]) => {
          calls.many++;
          if (failMany) throw new Error('SQLITE_FULL: database or disk is full');
          return target.markFinalisedMany(entries);
        };
      }
      if (property === 'markFinalised') {
        return async (runId: string, finalisation: RunFinalisation) => {
          calls.one++;
          if (runId === failRun) throw new Error('SQLITE_FULL: database or disk is full');
          return target.markFinalised(runId, finalisation);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { wrapped, calls };
}

describe('RunFinaliser', () => {
  it('archives every settled run of a tick and records them in the store with one call', async () => {
    const ids = await writeRuns(5);
    const { wrapped, calls } = faultyStore(false, undefined);
    const reported: FinalisedRun[] = [];
    const finaliser = new RunFinaliser({
      store: wrapped,
      archive,
      settleMs: 0,
      now: () => T0 + 60_000,
      onFinalised: (runs) => {
        reported.push(...runs);
      },
    });
    expect(await finaliser.tick()).toBe(5);
    expect(calls).toEqual({ many: 1, one: 0 });
    expect(reported.map((r) => r.runId).sort()).toEqual([...ids].sort());
    for (const r of reported) {
      const fin = (await store.getRun(r.runId))?.finalisation;
      expect(fin).toMatchObject({ sequence: 0, archiveKey: r.location.key, bundleSha256: r.location.sha256 });
      expect((await archive.get(r.location.key)).byteLength).toBeGreaterThan(0);
    }
    expect(await store.runsToFinalise(T0 + 60_000, 0, 10)).toEqual([]);
    expect(finaliser.failures).toBe(0);
  });

  it('records runs one by one when the batch fails; a run that still fails is retried later, the others are done', async () => {
    const ids = await writeRuns(4);
    const bad = ids[2]!;
    const { wrapped, calls } = faultyStore(true, bad);
    let now = T0 + 60_000;
    const lines: string[] = [];
    const finaliser = new RunFinaliser({
      store: wrapped,
      archive,
      settleMs: 0,
      now: () => now,
      log: (l) => lines.push(l),
    });
    expect(await finaliser.tick()).toBe(3);
    expect(calls).toEqual({ many: 1, one: 4 });
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`could not finalise run ${bad}; it will be retried: SQLITE_FULL`)),
    ]);
    expect(await store.runsToFinalise(now, 0, 10)).toEqual([bad]);
    for (const id of ids.filter((i) => i !== bad))
      expect((await store.getRun(id))?.finalisation?.sequence).toBe(0);

    // Within its back-off the run is left alone; after it, it is finalised from the same archived bytes.
    expect(await finaliser.tick()).toBe(0);
    now += 1_000;
    const healthy = new RunFinaliser({ store, archive, settleMs: 0, now: () => now });
    expect(await healthy.tick()).toBe(1);
    expect((await store.getRun(bad))?.finalisation?.sequence).toBe(0);
  });
});
