import type { SpanView } from '../../model/span-view.js';
import { recordViews } from './record-spans.js';

/** Texts the OpenLLMetry fixture carries. */
export const TL_TEXT = {
  system: 'You are terse.',
  user: 'Summarise the policy.',
  doc1: 'Policy: two approvals above 50k.',
  doc2: 'Policy: one approval below 50k.',
  clock: '"2026-11-24T12:00:00Z"',
  answer: 'Two approvals above 50k, one below.',
} as const;

/**
 * A Traceloop-instrumented workflow: workflow (1, root) → task retrieve (2) →
 * pinecone.query (3, two db.query.result events) ; workflow → get_time tool (4) ;
 * workflow → task generate (5) → openai.chat (6).
 */
export function openLlmetryRun(): SpanView[] {
  const x = TL_TEXT;
  return recordViews((t) => {
    const root = t.start('rag.workflow', {
      startMs: 0,
      attributes: {
        'traceloop.span.kind': 'workflow',
        'traceloop.workflow.name': 'rag',
        'traceloop.entity.name': 'rag',
      },
    });
    const retrieve = t.start('retrieve.task', {
      parent: root,
      startMs: 1,
      attributes: {
        'traceloop.span.kind': 'task',
        'traceloop.entity.name': 'retrieve',
        'traceloop.workflow.name': 'rag',
      },
    });
    const query = t.start('pinecone.query', {
      parent: retrieve,
      startMs: 2,
      attributes: {
        'db.system': 'pinecone',
        'db.vector.query.top_k': 2,
        'db.vector.query.include_metadata': true,
      },
    });
    t.event(query, 'db.query.result', 4, {
      'db.query.result.id': 'p-1',
      'db.query.result.score': 0.88,
      'db.query.result.metadata': JSON.stringify({ source: 'kb://policy.md' }),
      'db.query.result.document': x.doc1,
    });
    t.event(query, 'db.query.result', 4, {
      'db.query.result.id': 'p-2',
      'db.query.result.score': 0.5,
      'db.query.result.document': x.doc2,
    });
    t.end(query, 5);
    t.end(retrieve, 6);
    const tool = t.start('get_time.tool', {
      parent: root,
      startMs: 7,
      attributes: {
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'get_time',
        'traceloop.entity.input': '{"args":[],"kwargs":{}}',
        'traceloop.entity.output': x.clock,
      },
    });
    t.end(tool, 8);
    const generate = t.start('generate.task', {
      parent: root,
      startMs: 9,
      attributes: { 'traceloop.span.kind': 'task', 'traceloop.entity.name': 'generate' },
    });
    const chat = t.start('openai.chat', {
      parent: generate,
      startMs: 10,
      attributes: {
        'llm.request.type': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.request.temperature': 0.3,
        'gen_ai.prompt.0.role': 'system',
        'gen_ai.prompt.0.content': x.system,
        'gen_ai.prompt.1.role': 'user',
        'gen_ai.prompt.1.content': x.user,
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': x.answer,
        'gen_ai.completion.0.finish_reason': 'stop',
        'gen_ai.usage.prompt_tokens': 40,
        'gen_ai.usage.completion_tokens': 9,
        'llm.usage.total_tokens': 49,
      },
    });
    t.end(chat, 20);
    t.end(generate, 21);
    t.end(root, 22);
  });
}
