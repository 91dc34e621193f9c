import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLineage } from './config.js';
import { sha256Json, sha256Text } from './hashing/sha256.js';
import { recordModelInvocation } from './model-invocation.js';
import { recordOutput } from './output.js';
import { recordRetrieval } from './retrieval.js';
import { startRun } from './run.js';
import {
  expectedPseudonym,
  installTracing,
  linksOf,
  parentId,
  ref,
  TEST_KEY,
} from './test-support/tracing.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => {
  tracing.reset();
  configureLineage({ tracerProvider: tracing.provider, pseudonymKey: TEST_KEY });
});

const CHUNKS = [
  { id: 'kb://loans.md#1', text: 'Loans above 50k need two approvals.', score: 0.91 },
  { id: 'kb://loans.md#2', text: 'Self-employed applicants provide two years of tax returns.', score: 0.85 },
  { id: 'kb://fees.md#7', text: 'An arrangement fee of 1% applies to every mortgage.', score: 0.41 },
];
const SYSTEM = 'You are a careful loan assistant.';

function completion(text: string) {
  return {
    id: 'chatcmpl-1',
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }],
    usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
  };
}

async function ragAnswer(question: string, used: typeof CHUNKS) {
  const docs = await recordRetrieval(
    {
      dataSourceId: 'kb-policies',
      query: question,
      indexVersion: 'kb-2026-11-01',
      sources: (found: typeof CHUNKS) =>
        found.map((c) => ({
          kind: 'rag_chunk' as const,
          id: c.id,
          uri: `s3://kb/${c.id.slice(5, c.id.indexOf('#'))}`,
          content: c.text,
          score: c.score,
          ingestedAt: new Date(Date.UTC(2026, 9, 30, 8)),
        })),
    },
    async () => CHUNKS,
  );
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Context:\n${used.map((c) => c.text).join('\n')}\n\nQuestion: ${question}` },
  ];
  const response = await recordModelInvocation(
    { provider: 'openai', model: 'gpt-4o', messages, temperature: 0.2, maxTokens: 256, seed: 7 },
    async () => completion('Two approvals are needed.'),
  );
  return { docs, messages, response };
}

describe('a RAG flow', () => {
  it('records retrieval sources, infers which chunks the model consumed, and links the output', async () => {
    const question = 'How many approvals does a 60k loan need?';
    const { messages } = await startRun({ agentName: 'loan-rag', trigger: 'user' }, async () => {
      const result = await ragAnswer(question, CHUNKS.slice(0, 2));
      recordOutput({ content: 'Two approvals are needed.', channel: 'chat_ui', recipient: 'bob' });
      return result;
    });

    const run = tracing.span('invoke_agent loan-rag');
    const retrieval = tracing.span('retrieval kb-policies');
    const model = tracing.span('chat gpt-4o');
    const output = tracing.span('output chat_ui');
    for (const s of [retrieval, model, output]) {
      expect(parentId(s)).toBe(run.spanContext().spanId);
      expect(s.spanContext().traceId).toBe(run.spanContext().traceId);
    }

    expect(retrieval.attributes).toEqual({
      'lineage.span.type': 'retrieval',
      'gen_ai.operation.name': 'retrieval',
      'gen_ai.data_source.id': 'kb-policies',
      'lineage.query.sha256': sha256Text(question),
      'lineage.index.version': 'kb-2026-11-01',
      'lineage.datasource.count': 3,
      'lineage.datasource.dropped': 0,
    });
    expect(retrieval.events.map((e) => [e.name, e.attributes])).toEqual(
      CHUNKS.map((c) => [
        'lineage.datasource',
        {
          'lineage.datasource.id': c.id,
          'lineage.datasource.kind': 'rag_chunk',
          'lineage.datasource.uri': `s3://kb/${c.id.slice(5, c.id.indexOf('#'))}`,
          'lineage.datasource.ingested_at': '2026-10-30T08:00:00.000Z',
          'lineage.content.sha256': sha256Text(c.text),
          'lineage.content.size': Buffer.byteLength(c.text),
          'lineage.retrieval.score': c.score,
          'lineage.index.version': 'kb-2026-11-01',
        },
      ]),
    );

    expect(model.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 256,
      'gen_ai.request.seed': 7,
      'lineage.prompt.system.sha256': sha256Text(SYSTEM),
      'lineage.input.sha256': sha256Json(messages),
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 12,
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'lineage.output.sha256': sha256Text('Two approvals are needed.'),
    });
    // Only the two chunks that made it into the prompt were consumed.
    expect(linksOf(model)).toEqual(
      CHUNKS.slice(0, 2).map((c) => ({
        ...ref(retrieval),
        attributes: {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': sha256Text(c.text),
          'lineage.link.inferred': true,
        },
      })),
    );

    expect(output.attributes).toEqual({
      'lineage.span.type': 'output',
      'lineage.output.sha256': sha256Text('Two approvals are needed.'),
      'lineage.output.channel': 'chat_ui',
      'lineage.output.recipient': expectedPseudonym('bob'),
    });
    expect(linksOf(output)).toEqual([
      {
        ...ref(model),
        attributes: {
          'lineage.link.type': 'contributed_to',
          'lineage.link.entity.sha256': sha256Text('Two approvals are needed.'),
          'lineage.link.inferred': true,
        },
      },
    ]);
  });

  it('uses explicit inputs as declared (not inferred) links, and supersedes a corrected output', async () => {
    await startRun({ agentName: 'explicit' }, async () => {
      const handles: import('./handles.js').LineageHandle[] = [];
      await recordRetrieval({ dataSourceId: 'kb' }, async (scope) => {
        for (const c of CHUNKS) {
          const h = scope.addSource({ kind: 'rag_chunk', id: c.id, content: c.text });
          if (h) handles.push(h);
        }
      });
      let invocation: import('./handles.js').LineageHandle | undefined;
      await recordModelInvocation(
        {
          provider: 'anthropic',
          model: 'claude-3-5-sonnet-latest',
          messages: [{ role: 'user', content: 'hi' }],
          inputs: [handles[2]!],
        },
        async (scope) => {
          invocation = scope.handle;
          return {
            model: 'claude-3-5-sonnet-20241022',
            content: [{ type: 'text', text: 'Fee is 1%.' }],
            stop_reason: 'end_turn',
            usage: { input_tokens: 5, output_tokens: 4 },
          };
        },
      );
      const first = recordOutput({ content: 'Fee is 2%.', channel: 'email', inputs: [invocation!] });
      const fixed = recordOutput({
        content: 'Fee is 1%.',
        channel: 'email',
        inputs: [invocation!],
        supersedes: first,
      });
      expect(fixed.sha256).toBe(sha256Text('Fee is 1%.'));
    });
    const retrieval = tracing.span('retrieval kb');
    const model = tracing.span('chat claude-3-5-sonnet-latest');
    expect(linksOf(model)).toEqual([
      {
        ...ref(retrieval),
        attributes: {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': sha256Text(CHUNKS[2]!.text),
        },
      },
    ]);
    expect(model.attributes['lineage.model.version']).toBe('claude-3-5-sonnet-20241022');
    expect(model.attributes['lineage.model.pinned']).toBe(true);
    expect(model.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    expect(model.attributes['gen_ai.usage.output_tokens']).toBe(4);
    const outputs = tracing.spans().filter((s) => s.name === 'output email');
    expect(outputs).toHaveLength(2);
    const [first, fixed] = outputs as [typeof model, typeof model];
    const contributed = {
      'lineage.link.type': 'contributed_to',
      'lineage.link.entity.sha256': sha256Text('Fee is 1%.'),
    };
    expect(linksOf(first)).toEqual([{ ...ref(model), attributes: contributed }]);
    expect(linksOf(fixed)).toEqual([
      { ...ref(model), attributes: contributed },
      {
        ...ref(first),
        attributes: {
          'lineage.link.type': 'supersedes',
          'lineage.link.entity.sha256': sha256Text('Fee is 2%.'),
        },
      },
    ]);
  });

  it('bounds sources per span, hashes large content without copying it, and captures content only when enabled', async () => {
    configureLineage({
      tracerProvider: tracing.provider,
      pseudonymKey: TEST_KEY,
      captureContent: true,
      maxSourcesPerSpan: 2,
      maxContentBytes: 64,
      maxCaptureBytes: 10,
    });
    const big = 'é'.repeat(100);
    await startRun({ agentName: 'bounded' }, () =>
      recordRetrieval({ dataSourceId: 'kb' }, (scope) => {
        scope.addSource({ kind: 'document', id: 'small', content: 'ééééééééé' });
        scope.addSource({ kind: 'document', id: 'big', content: big });
        expect(scope.addSource({ kind: 'document', id: 'extra', content: 'x' })).toBeUndefined();
        expect(scope.addSource({ kind: 'document', id: 'extra2', content: 'y' })).toBeUndefined();
      }),
    );
    const span = tracing.span('retrieval kb');
    expect(span.attributes['lineage.datasource.count']).toBe(4);
    expect(span.attributes['lineage.datasource.dropped']).toBe(2);
    expect(span.events.map((e) => e.attributes)).toEqual([
      {
        'lineage.datasource.id': 'small',
        'lineage.datasource.kind': 'document',
        'lineage.content.sha256': sha256Text('ééééééééé'),
        'lineage.content.size': 18,
        // 10 bytes = 5 two-byte characters, never half a character.
        'lineage.content': 'ééééé',
      },
      {
        'lineage.datasource.id': 'big',
        'lineage.datasource.kind': 'document',
        'lineage.content.sha256': sha256Text(big),
        'lineage.content.size': 200,
      },
    ]);
  });

  it('records db results and api responses with their fingerprints', async () => {
    await recordRetrieval({ dataSourceId: 'crm' }, (scope) => {
      scope.addSource({
        kind: 'db_result',
        id: 'customers:42',
        uri: 'postgres://crm/customers',
        content: [{ id: 42, tier: 'gold' }],
        query: 'SELECT *\n  FROM customers WHERE id = $1 ',
      });
      scope.addSource({
        kind: 'api_response',
        uri: 'https://api.example.com/v1/rates',
        content: '{"rate":4.1}',
        request: { method: 'GET', path: '/v1/rates' },
      });
    });
    const [db, api] = tracing.span('retrieval crm').events.map((e) => e.attributes);
    expect(db).toEqual({
      'lineage.datasource.id': 'customers:42',
      'lineage.datasource.kind': 'db_result',
      'lineage.datasource.uri': 'postgres://crm/customers',
      'lineage.content.sha256': sha256Json([{ id: 42, tier: 'gold' }]),
      'lineage.content.size': 25,
      'lineage.query.sha256': sha256Text('SELECT * FROM customers WHERE id = $1'),
    });
    expect(api).toEqual({
      'lineage.datasource.id': `api_response:${sha256Text('{"rate":4.1}')}`,
      'lineage.datasource.kind': 'api_response',
      'lineage.datasource.uri': 'https://api.example.com/v1/rates',
      'lineage.content.sha256': sha256Text('{"rate":4.1}'),
      'lineage.content.size': 12,
      'lineage.request.sha256': sha256Json({ method: 'GET', path: '/v1/rates' }),
    });
  });
});
