import { createHash } from 'node:crypto';
import type { SpanView } from '../../model/span-view.js';
import { recordViews, spanIdOf, traceIdOf } from './record-spans.js';

/** SHA-256 hex of text, for fixtures. */
export function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** An upstream HTTP span (another trace) that triggered the run. */
export const UPSTREAM = { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16) };

/**
 * A run as our SDK records it: run → retrieval (2 chunks) → tool call → chat (consumed
 * links to both) → output (contributed_to the chat). Span ids 1..5 in start order.
 */
export function ownDialectRun(): SpanView[] {
  return recordViews((t) => {
    const run = t.start('invoke_agent loan-triage', {
      startMs: 0,
      attributes: {
        'lineage.span.type': 'run',
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'loan-triage',
        'lineage.agent.version': '1.4.2',
        'lineage.run.environment': 'production',
        'lineage.run.trigger': 'api',
        'lineage.run.actor': 'hmac-sha256:abc',
      },
      links: [
        {
          context: { ...UPSTREAM, traceFlags: 1 },
          attributes: { 'lineage.link.type': 'triggered_by' },
        },
      ],
    });
    const retrieval = t.start('retrieval kb-policies', {
      parent: run,
      startMs: 10,
      attributes: {
        'lineage.span.type': 'retrieval',
        'gen_ai.operation.name': 'retrieval',
        'gen_ai.data_source.id': 'kb-policies',
        'lineage.query.sha256': sha('loan rules'),
        'lineage.index.version': 'kb-2026-11-01',
        'lineage.datasource.count': 2,
      },
    });
    t.event(retrieval, 'lineage.datasource', 15, {
      'lineage.datasource.id': 'kb://policies/loans.md#chunk-3',
      'lineage.datasource.kind': 'rag_chunk',
      'lineage.datasource.uri': 's3://kb/policies/loans.md',
      'lineage.content.sha256': sha('chunk three'),
      'lineage.content.size': 11,
      'lineage.retrieval.score': 0.83,
      'lineage.datasource.ingested_at': '2026-10-30T08:00:00Z',
      'lineage.content': 'chunk three',
    });
    t.event(retrieval, 'lineage.datasource', 16, {
      'lineage.datasource.id': 'kb://policies/loans.md#chunk-4',
      'lineage.datasource.kind': 'rag_chunk',
      'lineage.content.sha256': sha('chunk four'),
    });
    t.end(retrieval, 20);
    const tool = t.start('execute_tool get_rates', {
      parent: run,
      startMs: 30,
      attributes: {
        'lineage.span.type': 'tool_call',
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_rates',
        'gen_ai.tool.call.id': 'call_1',
        'lineage.tool.version': '2.1.0',
        'lineage.input.sha256': sha('{"currency":"EUR"}'),
        'lineage.output.sha256': sha('{"rate":3.1}'),
      },
    });
    t.end(tool, 40);
    const chat = t.start('chat gpt-4o', {
      parent: run,
      startMs: 50,
      attributes: {
        'lineage.span.type': 'model_invocation',
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'lineage.model.version': 'gpt-4o-2024-08-06',
        'lineage.model.pinned': true,
        'lineage.prompt.system.sha256': sha('You triage loans.'),
        'lineage.input.sha256': sha('input'),
        'lineage.output.sha256': sha('Approve with two signatures.'),
        'gen_ai.usage.input_tokens': 812,
        'gen_ai.usage.output_tokens': 64,
        'gen_ai.request.temperature': 0.2,
      },
      links: [
        {
          context: { traceId: traceIdOf(1), spanId: spanIdOf(2), traceFlags: 1 },
          attributes: { 'lineage.link.type': 'consumed' },
        },
        {
          context: { traceId: traceIdOf(1), spanId: spanIdOf(3), traceFlags: 1 },
          attributes: { 'lineage.link.type': 'consumed' },
        },
        // An ordinary OTel link with no lineage meaning is ignored.
        { context: { traceId: traceIdOf(1), spanId: spanIdOf(3), traceFlags: 1 } },
      ],
    });
    t.event(chat, 'lineage.first_token', 80);
    t.end(chat, 150);
    const output = t.start('output email', {
      parent: run,
      startMs: 160,
      attributes: {
        'lineage.span.type': 'output',
        'lineage.output.sha256': sha('Approve with two signatures.'),
        'lineage.output.channel': 'email',
        'lineage.output.recipient': 'hmac-sha256:def',
      },
      links: [
        {
          context: { traceId: traceIdOf(1), spanId: spanIdOf(4), traceFlags: 1 },
          attributes: {
            'lineage.link.type': 'contributed_to',
            'lineage.link.entity.sha256': sha('Approve with two signatures.'),
          },
        },
      ],
    });
    t.end(output, 170);
    t.end(run, 200);
  });
}
