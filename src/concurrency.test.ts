import { afterAll, describe, expect, it } from 'vitest';
import { sha256Text } from './hashing/sha256.js';
import { recordModelInvocation } from './model-invocation.js';
import { recordOutput } from './output.js';
import { recordRetrieval } from './retrieval.js';
import { getActiveRun, startRun } from './run.js';
import { installTracing } from './test-support/tracing.js';
import { recordToolCall } from './tool-call.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());

const RUNS = 1000;
const tick = (n: number) => new Promise((r) => setTimeout(r, n % 7));

/** One agent run whose every step awaits, so 1,000 of them interleave on the event loop. */
async function agent(i: number): Promise<string> {
  return startRun({ agentName: 'worker', agentId: `agent-${i}` }, async (run) => {
    const chunk = `Chunk belonging to run number ${i} only.`;
    await recordRetrieval({ dataSourceId: `kb-${i}` }, async (scope) => {
      await tick(i);
      scope.addSource({ kind: 'rag_chunk', id: `chunk-${i}`, content: chunk });
    });
    await tick(i + 3);
    const toolResult = await recordToolCall({ name: `tool-${i}`, callId: `call-${i}` }, async () => {
      await tick(i + 1);
      return `tool result for ${i}`;
    });
    const answer = await recordModelInvocation(
      {
        provider: 'openai',
        model: `model-${i}`,
        messages: [
          { role: 'user', content: chunk },
          { role: 'tool', tool_call_id: `call-${i}`, content: toolResult },
        ],
      },
      async () => {
        await tick(i + 2);
        expect(getActiveRun()?.runId).toBe(run.runId);
        return `answer ${i}`;
      },
    );
    recordOutput({ content: answer, channel: `channel-${i}` });
    return run.runId;
  });
}

describe('concurrency isolation', () => {
  it(`keeps the spans, state and links of ${RUNS} concurrent runs apart`, async () => {
    const runIds = await Promise.all(Array.from({ length: RUNS }, (_, i) => agent(i)));
    expect(new Set(runIds).size).toBe(RUNS);
    const spans = tracing.spans();
    expect(spans).toHaveLength(RUNS * 5);

    const byTrace = new Map<string, typeof spans>();
    for (const span of spans) {
      const list = byTrace.get(span.spanContext().traceId) ?? [];
      list.push(span);
      byTrace.set(span.spanContext().traceId, list);
    }
    expect(byTrace.size).toBe(RUNS);
    runIds.forEach((runId, i) => {
      const trace = byTrace.get(runId)!;
      const names = trace.map((s) => s.name).sort();
      expect(names).toEqual(
        [
          `chat model-${i}`,
          `execute_tool tool-${i}`,
          'invoke_agent worker',
          `output channel-${i}`,
          `retrieval kb-${i}`,
        ].sort(),
      );
      const run = trace.find((s) => s.name === 'invoke_agent worker')!;
      expect(run.attributes['gen_ai.agent.id']).toBe(`agent-${i}`);
      for (const s of trace) {
        if (s !== run) expect(s.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      }
      // Inferred links point only into the run's own trace, at its own chunk and tool result.
      const model = trace.find((s) => s.name === `chat model-${i}`)!;
      expect(
        model.links.map((l) => [l.context.traceId, l.attributes?.['lineage.link.entity.sha256']]),
      ).toEqual([
        [runId, sha256Text(`Chunk belonging to run number ${i} only.`)],
        [runId, sha256Text(`tool result for ${i}`)],
      ]);
      const output = trace.find((s) => s.name === `output channel-${i}`)!;
      expect(output.links.map((l) => l.context.spanId)).toEqual([model.spanContext().spanId]);
    });
  });
});
