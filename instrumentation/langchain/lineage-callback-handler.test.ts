import { Document } from '@langchain/core/documents';
import { HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { BaseRetriever } from '@langchain/core/retrievers';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { FakeLLM } from '@langchain/core/utils/testing';
import { ChatOpenAI } from '@langchain/openai';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { startRun } from '../../src/run.js';
import { installTracing, linksOf, parentId, ref, type TestTracing } from '../../src/test-support/tracing.js';
import { LineageCallbackHandler } from './lineage-callback-handler.js';

const SYSTEM = 'You answer questions about the refund policy.';
const REFUND_TEXT = 'Refunds are issued within 14 days of a return being received.';
const SHIPPING_TEXT = 'Standard shipping takes three to five working days.';

class PolicyRetriever extends BaseRetriever {
  lc_namespace = ['test', 'retrievers'];
  override async _getRelevantDocuments(): Promise<Document[]> {
    return [
      new Document({
        pageContent: REFUND_TEXT,
        metadata: {
          id: 'policy-refunds#0',
          source: 'file:///kb/refunds.md',
          ingested_at: '2026-11-01T09:00:00.000Z',
          index_version: 'kb-2026-11-01',
          score: 0.91,
        },
      }),
      new Document({
        pageContent: SHIPPING_TEXT,
        metadata: { source: 'file:///kb/shipping.md', chunk: 3, index_version: 'kb-2026-11-01' },
      }),
    ];
  }
}

const lookupOrder = tool(
  async ({ query }: { query: string }) => `order 42 for "${query}" was returned on 2026-11-02`,
  {
    name: 'lookup_order',
    description: 'Looks up an order',
    schema: z.object({ query: z.string() }),
  },
);

let tracing: TestTracing;
let fake: FakeOpenAiServer;
let handler: LineageCallbackHandler;

function chatModel(): ChatOpenAI {
  return new ChatOpenAI({
    model: 'gpt-4o',
    apiKey: 'test',
    temperature: 0,
    configuration: { baseURL: fake.baseURL },
  });
}

function events(span: ReadableSpan) {
  return span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } }));
}

beforeAll(async () => {
  tracing = installTracing();
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
  await tracing.shutdown();
});

beforeEach(() => {
  tracing.reset();
  handler = new LineageCallbackHandler();
});

describe('LineageCallbackHandler', () => {
  it('records a chat model call as a model invocation with the answering model version, hashes and usage', async () => {
    const answer = await startRun({ agentName: 'chat-test' }, () =>
      chatModel().invoke([new SystemMessage(SYSTEM), new HumanMessage('How fast are refunds?')], {
        callbacks: [handler],
      }),
    );
    const span = tracing.span('chat gpt-4o');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0,
      'lineage.prompt.system.sha256': sha256Text(SYSTEM),
      'lineage.input.sha256': sha256Json([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'How fast are refunds?' },
      ]),
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': expect.stringMatching(/^chatcmpl-/),
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': expect.any(Number),
      'gen_ai.usage.output_tokens': expect.any(Number),
      'lineage.output.sha256': sha256Text(answer.content as string),
    });
    expect(parentId(span)).toBe(tracing.span('invoke_agent chat-test').spanContext().spanId);
    expect(handler.openRuns).toBe(0);
  });

  it('records the first streamed token and the assembled answer of a streaming chat model', async () => {
    const model = new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'test',
      configuration: { baseURL: fake.baseURL },
    });
    let answer = '';
    for await (const chunk of await model.stream('Stream me an answer about refunds', {
      callbacks: [handler],
    })) {
      answer += chunk.content as string;
    }
    const span = tracing.span('chat gpt-4o-mini');
    expect(span.events.map((e) => e.name)).toEqual(['lineage.first_token']);
    expect(span.attributes).toMatchObject({
      'lineage.model.version': 'gpt-4o-mini-2024-07-18',
      'lineage.model.pinned': true,
      'lineage.output.sha256': sha256Text(answer),
      'lineage.response.time_to_first_token_ms': expect.any(Number),
    });
  });

  it('records a text-completion LLM as a text_completion invocation', async () => {
    const llm = new FakeLLM({ response: 'Refunds take 14 days.' });
    await llm.invoke('How long do refunds take?', { callbacks: [handler] });
    const span = tracing.span('text_completion');
    expect(span.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'text_completion',
      'lineage.input.sha256': sha256Json([{ role: 'user', content: 'How long do refunds take?' }]),
      'lineage.output.sha256': sha256Text('Refunds take 14 days.'),
      // FakeLLM reports its answer through handleLLMNewToken, as a streaming LLM would.
      'lineage.response.time_to_first_token_ms': expect.any(Number),
    });
  });

  it('records tool definitions and tool-call ids of a tool-calling answer', async () => {
    const ai = await chatModel()
      .bindTools([lookupOrder])
      .invoke([new HumanMessage('Where is order 42?')], { callbacks: [handler] });
    const span = tracing.span('chat gpt-4o');
    const request = fake.requests.at(-1)?.body as { tools: unknown };
    expect(span.attributes['lineage.tools.sha256']).toBe(sha256Json(request.tools));
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    const call = ai.tool_calls?.[0];
    expect(span.attributes['lineage.output.sha256']).toBe(
      sha256Json([
        {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: call?.id,
              type: 'function',
              function: { name: 'lookup_order', arguments: JSON.stringify(call?.args) },
            },
          ],
        },
      ]),
    );
  });

  it('records retrieved documents as DataSource events with ids, URIs, ingestion times, index version and score', async () => {
    await new PolicyRetriever().invoke('refund speed', { callbacks: [handler], runName: 'kb-policies' });
    const span = tracing.span('retrieval kb-policies');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toEqual({
      'lineage.span.type': 'retrieval',
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'kb-policies',
      'lineage.query.sha256': sha256Text('refund speed'),
      'lineage.index.version': 'kb-2026-11-01',
      'lineage.datasource.count': 2,
      'lineage.datasource.dropped': 0,
    });
    expect(events(span)).toEqual([
      {
        name: 'lineage.datasource',
        attributes: {
          'lineage.datasource.id': 'policy-refunds#0',
          'lineage.datasource.kind': 'rag_chunk',
          'lineage.datasource.uri': 'file:///kb/refunds.md',
          'lineage.datasource.ingested_at': '2026-11-01T09:00:00.000Z',
          'lineage.content.sha256': sha256Text(REFUND_TEXT),
          'lineage.content.size': Buffer.byteLength(REFUND_TEXT),
          'lineage.retrieval.score': 0.91,
          'lineage.index.version': 'kb-2026-11-01',
        },
      },
      {
        name: 'lineage.datasource',
        attributes: {
          'lineage.datasource.id': 'file:///kb/shipping.md#3',
          'lineage.datasource.kind': 'rag_chunk',
          'lineage.datasource.uri': 'file:///kb/shipping.md',
          'lineage.content.sha256': sha256Text(SHIPPING_TEXT),
          'lineage.content.size': Buffer.byteLength(SHIPPING_TEXT),
          'lineage.index.version': 'kb-2026-11-01',
        },
      },
    ]);
  });

  it('records a tool call with its call id and its result as a tool_output DataSource', async () => {
    const result = await lookupOrder.invoke(
      { id: 'call_abc', name: 'lookup_order', args: { query: 'order 42' }, type: 'tool_call' },
      { callbacks: [handler] },
    );
    expect(result).toBeInstanceOf(ToolMessage);
    const text = 'order 42 for "order 42" was returned on 2026-11-02';
    const span = tracing.span('execute_tool lookup_order');
    expect(span.attributes).toEqual({
      'lineage.span.type': 'tool_call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': 'call_abc',
      'lineage.input.sha256': sha256Json({ query: 'order 42' }),
      'lineage.output.sha256': sha256Text(text),
      'lineage.datasource.count': 1,
      'lineage.datasource.dropped': 0,
    });
    expect(events(span)).toEqual([
      {
        name: 'lineage.datasource',
        attributes: {
          'lineage.datasource.id': 'call_abc',
          'lineage.datasource.kind': 'tool_output',
          'lineage.content.sha256': sha256Text(text),
          'lineage.content.size': Buffer.byteLength(text),
        },
      },
    ]);
  });

  it('turns a root chain into a lineage run, parents steps by LangChain run tree, links consumption and records the output', async () => {
    const model = chatModel().bindTools([lookupOrder]);
    const agent = RunnableLambda.from(async (question: string, config) => {
      const docs = await new PolicyRetriever().invoke(question, config);
      const context = docs.map((d) => d.pageContent).join('\n');
      const messages = [new SystemMessage(`${SYSTEM}\n${context}`), new HumanMessage(question)];
      const first = await model.invoke(messages, config);
      const toolMessages = [];
      for (const call of first.tool_calls ?? []) toolMessages.push(await lookupOrder.invoke(call, config));
      const final = await model.invoke([...messages, first, ...toolMessages], config);
      return final.content as string;
    }).withConfig({ runName: 'support-agent' });

    const output = await agent.invoke('When will order 42 be refunded?', { callbacks: [handler] });

    const run = tracing.span('invoke_agent support-agent');
    expect(run.attributes).toEqual({
      'lineage.span.type': 'run',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support-agent',
    });
    expect(parentId(run)).toBeUndefined();
    const runSpanId = run.spanContext().spanId;
    const retrieval = tracing.span('retrieval PolicyRetriever');
    const tool = tracing.span('execute_tool lookup_order');
    const [first, final] = tracing
      .spans()
      .filter((s) => s.name === 'chat gpt-4o')
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    for (const child of [retrieval, tool, first, final]) {
      expect(child?.spanContext().traceId).toBe(run.spanContext().traceId);
      expect(parentId(child as ReadableSpan)).toBe(runSpanId);
    }
    // The first call saw the retrieved chunks; the final one also the tool result (by call id) and the first answer.
    const consumed = (span: ReadableSpan | undefined) => linksOf(span as ReadableSpan);
    expect(consumed(first)).toEqual([
      {
        ...ref(retrieval),
        attributes: {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': sha256Text(REFUND_TEXT),
          'lineage.link.inferred': true,
        },
      },
      {
        ...ref(retrieval),
        attributes: {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': sha256Text(SHIPPING_TEXT),
          'lineage.link.inferred': true,
        },
      },
    ]);
    const finalLinks = consumed(final);
    expect(finalLinks.map((l) => l.spanId)).toEqual([
      retrieval.spanContext().spanId,
      retrieval.spanContext().spanId,
      first?.spanContext().spanId,
      tool.spanContext().spanId,
    ]);
    const out = tracing.span('output langchain');
    expect(out.attributes).toEqual({
      'lineage.span.type': 'output',
      'lineage.output.sha256': sha256Text(output),
      'lineage.output.channel': 'langchain',
    });
    expect(parentId(out)).toBe(runSpanId);
    expect(linksOf(out)).toEqual([
      {
        ...ref(final as ReadableSpan),
        attributes: {
          'lineage.link.type': 'contributed_to',
          'lineage.link.entity.sha256': sha256Text(output),
          'lineage.link.inferred': true,
        },
      },
    ]);
    expect(handler.openRuns).toBe(0);
  });

  it('links a run the tracer starts inside a foreign span as triggered_by that span', async () => {
    const agent = RunnableLambda.from(async (q: string) => q).withConfig({ runName: 'triggered-agent' });
    const tracer = tracing.provider.getTracer('http-server');
    await tracer.startActiveSpan('POST /ask', async (http) => {
      await agent.invoke('hi', { callbacks: [handler] });
      http.end();
    });
    const run = tracing.span('invoke_agent triggered-agent');
    const http = tracing.span('POST /ask');
    expect(parentId(run)).toBeUndefined();
    expect(run.spanContext().traceId).not.toBe(http.spanContext().traceId);
    expect(linksOf(run)).toEqual([{ ...ref(http), attributes: { 'lineage.link.type': 'triggered_by' } }]);
  });

  it('keeps concurrent runs apart: each root chain is its own run with its own children', async () => {
    const step = RunnableLambda.from(async (q: string) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return q;
    }).withConfig({ runName: 'step' });
    const agent = RunnableLambda.from(async (q: string, config) => step.invoke(q, config)).withConfig({
      runName: 'agent',
    });
    await Promise.all(['a', 'b', 'c'].map((q) => agent.invoke(q, { callbacks: [handler] })));
    const runs = tracing.spans().filter((s) => s.name === 'invoke_agent agent');
    const steps = tracing.spans().filter((s) => s.name === 'step');
    expect(new Set(runs.map((r) => r.spanContext().traceId)).size).toBe(3);
    for (const run of runs) {
      const children = steps.filter((s) => s.spanContext().traceId === run.spanContext().traceId);
      expect(children.map(parentId)).toEqual([run.spanContext().spanId]);
    }
    expect(handler.openRuns).toBe(0);
  });

  it('nests chains as step spans under an application-started run and leaves the output to the application', async () => {
    const inner = RunnableLambda.from(async (q: string) => q.toUpperCase()).withConfig({ runName: 'shout' });
    const outer = RunnableLambda.from(async (q: string, config) => inner.invoke(q, config)).withConfig({
      runName: 'pipeline',
    });
    await startRun({ agentName: 'app' }, () => outer.invoke('hi', { callbacks: [handler] }));
    const run = tracing.span('invoke_agent app');
    const pipeline = tracing.span('pipeline');
    const shout = tracing.span('shout');
    expect(pipeline.attributes).toEqual({});
    expect(parentId(pipeline)).toBe(run.spanContext().spanId);
    expect(parentId(shout)).toBe(pipeline.spanContext().spanId);
    expect(tracing.spans().filter((s) => s.name.startsWith('output'))).toEqual([]);
  });

  it('marks failed steps as errors and still releases them', async () => {
    const failing = RunnableLambda.from(async () => {
      throw new Error('boom');
    }).withConfig({ runName: 'failing' });
    await expect(
      startRun({ agentName: 'app' }, () => failing.invoke('x', { callbacks: [handler] })),
    ).rejects.toThrow('boom');
    const span = tracing.span('failing');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(handler.openRuns).toBe(0);
  });

  it('never throws into LangChain, whatever it is handed', () => {
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      'x',
      { generations: 'nope' },
      [[{ message: { content: {} } }]],
    ];
    for (const value of garbage) {
      const v = value as never;
      expect(() => {
        handler.handleChatModelStart(v, v, 'r1', v, v, v, v);
        handler.handleLLMNewToken('t', v, 'r1');
        handler.handleLLMEnd(v, 'r1');
        handler.handleLLMStart(v, v, 'r2', v, v, v, v);
        handler.handleLLMError(v, 'r2');
        handler.handleRetrieverStart(v, v, 'r3', v, v, v, v);
        handler.handleRetrieverEnd(v, 'r3');
        handler.handleToolStart(v, v, 'r4', v, v, v, v, v);
        handler.handleToolEnd(v, 'r4');
        handler.handleChainStart(v, v, 'r5', v, v, v, v, v);
        handler.handleChainEnd(v, 'r5');
        handler.handleChainError(v, 'unknown-run');
      }).not.toThrow();
    }
    expect(handler.openRuns).toBe(0);
  });
});
