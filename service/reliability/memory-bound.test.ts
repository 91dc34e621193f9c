import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, encodeTraceRequest, newRun, postTraces, type SpanInput } from './otlp-payloads.js';
import {
  createWorkspace,
  killAllServerProcesses,
  type ReliabilityWorkspace,
  type ServerProcess,
  startServerProcess,
} from './server-process.js';

/** Just under the receiver's 16 MiB request limit: 5,000 attribute-heavy two-span runs (~15 MiB). */
function maximalRequest(): { body: Uint8Array; runIds: string[] } {
  const spans: SpanInput[] = [];
  const runIds: string[] = [];
  const pad = (i: number) =>
    Array.from({ length: 16 }, (_, k) => attr(`app.attr.${k}`, `${i}-${'a'.repeat(60)}`));
  for (let i = 0; i < 5_000; i++) {
    const run = newRun(pad(i), [...pad(i), attr('lineage.output.sha256', 'b'.repeat(64))]);
    spans.push(...run.spans);
    runIds.push(run.runId);
  }
  const body = encodeTraceRequest(spans);
  if (body.byteLength < 14 * 1024 * 1024 || body.byteLength >= 16 * 1024 * 1024) {
    throw new Error(
      `maximal request is ${body.byteLength} bytes; adjust the run count to stay just under 16 MiB`,
    );
  }
  return { body, runIds };
}

function vmHwmMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN') / 1024;
}

describe('serve stays within its memory budget under maximal requests', () => {
  let ws: ReliabilityWorkspace;
  let server: ServerProcess;

  beforeAll(async () => {
    ws = await createWorkspace('memory');
    server = await startServerProcess({ dataDir: ws.dataDir, authFile: ws.authFile });
  }, 60_000);

  afterAll(async () => {
    await killAllServerProcesses();
    await ws?.remove();
  });

  it('two concurrent ~15.5 MiB requests: each is stored or refused with 503 + Retry-After, never a crash', async () => {
    const a = maximalRequest();
    const b = maximalRequest();
    const answers = await Promise.all(
      [a, b].map((r) => postTraces(server.otlpHttpUrl, r.body, { contentType: 'application/x-protobuf' })),
    );
    for (const answer of answers) expect([200, 503]).toContain(answer.status);
    expect(answers.some((x) => x.status === 200)).toBe(true);
    // What was refused goes through on retry, as a Collector's retry would send it.
    for (const [i, answer] of answers.entries()) {
      if (answer.status === 503) {
        expect(answer.headers['retry-after']).toBeDefined();
        const retried = await postTraces(server.otlpHttpUrl, [a, b][i]!.body, {
          contentType: 'application/x-protobuf',
        });
        expect(retried.status).toBe(200);
      }
    }
    // Still serving, every run stored, and the 256 MB old-space cap was never hit.
    for (const runId of [a.runIds[0], b.runIds.at(-1)]) {
      const res = await fetch(`${server.apiUrl}/lineage/runs/${runId}?format=graph`, {
        headers: { authorization: `Bearer ${ws.token}` },
      });
      expect(res.status).toBe(200);
    }
    // What the flags guarantee under maximal requests: old space ≤ 256 MB, young generation
    // ≤ 3 × 64 MB semi-spaces, plus native memory (SQLite's 16 MiB cache, buffers, code).
    // Measured here: ~450 MB. The 300 MB figure holds for realistic batches (bench:receiver).
    expect(vmHwmMb(server.pid)).toBeLessThan(256 + 3 * 64 + 80);
  }, 120_000);
});
