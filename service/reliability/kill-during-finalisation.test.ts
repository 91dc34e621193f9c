import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTraceRequest, newRun, partialSuccessOf, postTraces, type RunSpans } from './otlp-payloads.js';
import {
  createWorkspace,
  freeServerPorts,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  startServerProcess,
} from './server-process.js';
import { lineageApiClient, readRunGraphs } from './store-inspection.js';

/** Enough runs that archiving them (fsync per bundle and per commit) takes long enough to be caught midway. */
const RUNS = 200;
const RUNS_PER_REQUEST = 20;

describe('kill -9 while runs are being finalised', () => {
  let workspace: ReliabilityWorkspace | undefined;

  afterAll(async () => {
    await killAllServerProcesses();
    await workspace?.remove();
  });

  it('archives every run exactly once, with the recorded hash, after a restart', async () => {
    workspace = await createWorkspace('kill-finalise');
    const ws = workspace;
    const ports = await freeServerPorts();
    const start = () =>
      startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile, ports, settleSeconds: 1 });
    const first = await start();
    const runs: RunSpans[] = Array.from({ length: RUNS }, () => newRun());
    for (let i = 0; i < RUNS; i += RUNS_PER_REQUEST) {
      const spans = runs.slice(i, i + RUNS_PER_REQUEST).flatMap((r) => r.spans);
      const answer = await postTraces(first.otlpHttpUrl, encodeTraceRequest(spans), {
        contentType: 'application/x-protobuf',
      });
      expect(answer.status).toBe(200);
      expect(partialSuccessOf(answer)).toEqual({ rejectedSpans: 0 });
    }

    // Watch the archive folder (bounded) and kill once some, not all, bundles are written. The
    // finaliser's metric counts a whole batch at once, so the files are the finer signal.
    const archiveDir = join(ws.dataDir, 'archive');
    const bundleFiles = async () => {
      try {
        return (await readdir(archiveDir, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile() && e.name.endsWith('.jsonld') && !e.name.startsWith('.'))
          .map((e) => join(e.parentPath, e.name));
      } catch {
        return []; // not created yet
      }
    };
    let atKill = 0;
    for (let i = 0; i < 3000 && atKill === 0; i++) {
      atKill = (await bundleFiles()).length;
      if (atKill === 0) await new Promise((done) => setTimeout(done, 5));
    }
    await first.kill9();
    expect(atKill, 'the finaliser had started before the kill').toBeGreaterThan(0);
    expect(atKill, 'the finaliser had not finished before the kill').toBeLessThan(RUNS);

    // The restarted server finishes the job: bounded wait until every run reports a finalisation.
    const second = await start();
    const api = lineageApiClient(second.apiUrl, ws.token);
    const pending = new Set(runs.map((r) => r.runId));
    for (let i = 0; i < 60 && pending.size > 0; i++) {
      for (const runId of [...pending]) {
        if ((await api.runGraph(runId))?.finalisation !== undefined) pending.delete(runId);
      }
      if (pending.size > 0) await new Promise((done) => setTimeout(done, 500));
    }
    expect(pending.size, second.output()).toBe(0);
    const ready = await fetch(`${second.apiUrl}/readyz`);
    expect(ready.status, await ready.text()).toBe(200);
    expect(await second.stop()).toBe(0);

    const graphs = await readRunGraphs(
      join(ws.dataDir, 'lineage.db'),
      runs.map((r) => r.runId),
    );
    const bundles = await bundleFiles();
    const problems: string[] = [];
    for (const run of runs) {
      const finalisation = graphs.get(run.runId)?.finalisation;
      if (finalisation === undefined) {
        problems.push(`${run.runId}: not finalised`);
        continue;
      }
      if (finalisation.sequence !== 0) problems.push(`${run.runId}: sequence ${finalisation.sequence}`);
      const bytes = await readFile(join(archiveDir, finalisation.archiveKey));
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== finalisation.bundleSha256)
        problems.push(`${run.runId}: archived bytes differ from the recorded hash`);
    }
    expect(problems).toEqual([]);
    // One bundle per run: nothing archived twice under another name, no supplementary bundles.
    expect(bundles.length).toBe(RUNS);
  }, 120_000);
});
