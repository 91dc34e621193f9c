/**
 * Agent scenarios recorded with the real SDK, used by the exporter's end-to-end suite.
 * The "model" is a deterministic in-process function returning OpenAI-shaped responses,
 * so every scenario runs without sockets.
 */
import { trace } from '@opentelemetry/api';
import {
  recordModelInvocation,
  recordOutput,
  recordRetrieval,
  recordToolCall,
  startRun,
} from '../../src/index.js';

/** A chat message as the scenarios pass it to the model. */
type Message = { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] };

const CORPUS = [
  {
    id: 'kb://loans/limits#1',
    uri: 'kb://loans/limits.md',
    text: 'Loans above 50,000 EUR need two approvals from credit officers.',
  },
  {
    id: 'kb://loans/rates#1',
    uri: 'kb://loans/rates.md',
    text: 'The standard variable rate for personal loans is 4.2 percent per year.',
  },
  {
    id: 'kb://loans/terms#1',
    uri: 'kb://loans/terms.md',
    text: 'Personal loans run for 12 to 84 months and can be repaid early for free.',
  },
];

function fakeChat(model: string, messages: Message[], tools: unknown[] | undefined, turn: number) {
  const needsTool = tools && tools.length > 0 && !messages.some((m) => m.role === 'tool') && turn === 0;
  const message = needsTool
    ? {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: `call_${turn}_rate`,
            type: 'function',
            function: { name: 'get_rate', arguments: '{"product":"personal"}' },
          },
        ],
      }
    : { role: 'assistant', content: `Answer #${turn} from ${messages.length} messages.` };
  return {
    id: `chatcmpl-${turn}`,
    model: `${model}-2024-08-06`,
    choices: [{ index: 0, message, finish_reason: needsTool ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: 40 + turn, completion_tokens: 12, total_tokens: 52 + turn },
  };
}

function retrieve(query: string, indexVersion = 'kb-2026-11-01') {
  return recordRetrieval(
    {
      dataSourceId: 'kb-loans',
      query,
      indexVersion,
      sources: (found: typeof CORPUS) =>
        found.map((c, i) => ({
          kind: 'rag_chunk' as const,
          id: c.id,
          uri: c.uri,
          content: c.text,
          score: 0.9 - i / 10,
          ingestedAt: '2026-10-30T08:00:00Z',
        })),
    },
    async () => CORPUS,
  );
}

function model(messages: Message[], turn: number, tools?: unknown[]) {
  return recordModelInvocation(
    { provider: 'openai', model: 'gpt-4o', messages, ...(tools ? { tools } : {}), temperature: 0.2 },
    async () => fakeChat('gpt-4o', messages, tools, turn),
  );
}

/** Retrieval → model → output. Returns the run id and output hash. */
export async function ragScenario(): Promise<string> {
  return startRun(
    {
      agentName: 'loan-rag',
      agentId: 'loan-rag',
      agentVersion: '1.0.0',
      environment: 'test',
      trigger: 'user',
      actor: 'alice',
    },
    async () => {
      const chunks = await retrieve('loan approval rules');
      const res = await model(
        [
          { role: 'system', content: 'Answer from the context.' },
          { role: 'user', content: chunks.map((c) => c.text).join('\n') },
        ],
        1,
      );
      recordOutput({ content: res.choices[0]!.message.content, channel: 'api', recipient: 'bob' });
      return trace.getActiveSpan()!.spanContext().traceId;
    },
  );
}

/** Model → tool → model, three iterations, then an output. */
export async function toolLoopScenario(): Promise<string> {
  return startRun({ agentName: 'loan-tools', agentId: 'loan-tools', trigger: 'api' }, async () => {
    const tools = [{ type: 'function', function: { name: 'get_rate', parameters: { type: 'object' } } }];
    const messages: Message[] = [{ role: 'user', content: 'What is the rate?' }];
    let last = '';
    for (let turn = 0; turn < 3; turn += 1) {
      const res = await model([...messages], turn, tools);
      const msg = res.choices[0]!.message as Message & {
        tool_calls?: { id: string; function: { name: string } }[];
      };
      messages.push(msg);
      for (const call of msg.tool_calls ?? []) {
        const result = await recordToolCall(
          {
            name: call.function.name,
            callId: call.id,
            type: 'function',
            version: '2.1.0',
            arguments: { product: 'personal' },
          },
          async () => `rate=4.2% (turn ${turn})`,
        );
        messages.push({ role: 'tool', tool_call_id: call.id, content: result });
      }
      last = msg.content ?? last;
    }
    recordOutput({ content: last, channel: 'chat_ui' });
    return trace.getActiveSpan()!.spanContext().traceId;
  });
}

/** A parent run whose tool call runs a sub-agent run with its own retrieval and output. */
export async function subAgentScenario(): Promise<{ parent: string; child: string }> {
  let child = '';
  const parent = await startRun({ agentName: 'orchestrator', agentId: 'orchestrator' }, async () => {
    const answer = await recordToolCall({ name: 'ask_policy_agent', callId: 'call_sub_1' }, () =>
      startRun({ agentName: 'policy-agent', agentId: 'policy-agent' }, async () => {
        child = trace.getActiveSpan()!.spanContext().traceId;
        const chunks = await retrieve('early repayment', 'kb-2026-11-02');
        const res = await model([{ role: 'user', content: chunks.map((c) => c.text).join('\n') }], 7);
        const text = res.choices[0]!.message.content as string;
        recordOutput({ content: text, channel: 'agent' });
        return text;
      }),
    );
    const res = await model(
      [
        { role: 'user', content: 'Summarise' },
        { role: 'tool', tool_call_id: 'call_sub_1', content: answer },
      ],
      8,
    );
    recordOutput({ content: res.choices[0]!.message.content, channel: 'api' });
    return trace.getActiveSpan()!.spanContext().traceId;
  });
  return { parent, child };
}

/** An output that is corrected by a second one (supersedes). */
export async function supersededScenario(): Promise<string> {
  return startRun({ agentName: 'loan-rag', agentId: 'loan-rag' }, async () => {
    const chunks = await retrieve('loan terms');
    const res = await model([{ role: 'user', content: chunks.map((c) => c.text).join('\n') }], 3);
    const first = recordOutput({ content: res.choices[0]!.message.content, channel: 'email' });
    const fixed = await model([{ role: 'user', content: `${chunks[1]!.text} (corrected)` }], 4);
    recordOutput({ content: fixed.choices[0]!.message.content, channel: 'email', supersedes: first });
    return trace.getActiveSpan()!.spanContext().traceId;
  });
}

/**
 * Spans as a foreign OTel GenAI instrumentation emits them (no lineage.* attributes, no
 * links): workflow root, retrieval with gen_ai.retrieval.documents, a chat that used them.
 */
export async function foreignGenAiScenario(): Promise<string> {
  const tracer = trace.getTracer('foreign-genai-instrumentation');
  return tracer.startActiveSpan(
    'invoke_workflow triage',
    { root: true, attributes: { 'gen_ai.operation.name': 'invoke_workflow' } },
    async (root) => {
      const docs = CORPUS.slice(0, 2).map((c, i) => ({ id: c.id, score: 0.8 - i / 10, content: c.text }));
      await tracer.startActiveSpan(
        'retrieval kb',
        {
          attributes: {
            'gen_ai.operation.name': 'retrieval',
            'gen_ai.data_source.id': 'kb-loans',
            'gen_ai.retrieval.documents': JSON.stringify(docs),
          },
        },
        async (span) => {
          span.end();
        },
      );
      await tracer.startActiveSpan(
        'chat gpt-4o',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.usage.input_tokens': 55,
            'gen_ai.usage.output_tokens': 9,
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: docs.map((d) => d.content).join('\n') }] },
            ]),
            'gen_ai.output.messages': JSON.stringify([
              {
                role: 'assistant',
                parts: [{ type: 'text', content: 'Two approvals, 4.2 percent.' }],
                finish_reason: 'stop',
              },
            ]),
          },
        },
        async (span) => {
          span.end();
        },
      );
      root.end();
      return root.spanContext().traceId;
    },
  );
}
