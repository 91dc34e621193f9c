import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsArchiveStore } from '../../exporter/stores/fs-archive/fs-archive-store.js';
import { selectArchivedRuns } from './select-archived-runs.js';

let dir: string;
let archive: FsArchiveStore;
const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
const body = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-select-'));
  archive = new FsArchiveStore({ root: dir });
  const put = (runId: string, start: number, sequence = 0) =>
    archive.put({
      runId,
      agentId: 'agent/x',
      runStartMs: start,
      sequence,
      body: body(`${runId}:${sequence}`),
    });
  await put('aaaa', day('2026-03-01'));
  await put('aaaa', day('2026-03-01'), 1);
  await put('run.with/odd chars', day('2026-03-02'));
  await put('r'.repeat(300), day('2026-03-02'));
  await put('later', day('2026-03-09'));
});
afterAll(async () => {
  await archive.close();
  await rm(dir, { recursive: true, force: true });
});

describe('selectArchivedRuns', () => {
  it('recovers escaped run ids, merges supplementary bundles and reports unrecoverable keys', async () => {
    const found = await selectArchivedRuns(archive, day('2026-03-01'), day('2026-03-03'), 100);
    expect(found.runIds.sort()).toEqual(['aaaa', 'run.with/odd chars']);
    expect(found.unresolvedKeys).toHaveLength(1);
    expect(found.unresolvedKeys[0]).toMatch(/^2026\/03\/02\//);
  });

  it('only lists the days in the range and stops after max + 1 ids', async () => {
    expect((await selectArchivedRuns(archive, day('2026-03-09'), day('2026-03-09'), 100)).runIds).toEqual([
      'later',
    ]);
    expect((await selectArchivedRuns(archive, day('2026-03-01'), day('2026-03-31'), 1)).runIds).toHaveLength(
      2,
    );
  });
});
