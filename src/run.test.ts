import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { getActiveRun, startRun } from './run.js';
import { expectedPseudonym, installTracing, linksOf, parentId, ref } from './test-support/tracing.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

describe('startRun', () => {
  it('records a run as the root span of a new trace with its whole attribute map', () => {
    const handle = startRun(
      {
        agentName: 'loan-triage',
        agentId: 'agent-7f3a',
        agentVersion: '1.4.2',
        environment: 'production',
        trigger: 'user',
        actor: 'alice@example.com',
        conversationId: 'conv-42',
      },
      (run) => run,
    );
    const span = tracing.span('invoke_agent loan-triage');
    expect(span.attributes).toEqual({
      'lineage.span.type': 'run',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'loan-triage',
      'gen_ai.agent.id': 'agent-7f3a',
      'lineage.agent.version': '1.4.2',
      'lineage.run.environment': 'production',
      'lineage.run.trigger': 'user',
      'lineage.run.actor': expectedPseudonym('alice@example.com'),
      'gen_ai.conversation.id': 'conv-42',
    });
    expect(parentId(span)).toBeUndefined();
    expect(linksOf(span)).toEqual([]);
    expect(handle.runId).toBe(span.spanContext().traceId);
    expect(handle.kind).toBe('run');
    expect(handle.parentRunId).toBeUndefined();
    expect(span.instrumentationScope.name).toBe('agent-lineage');
  });

  it('starts a new trace linked triggered_by when started inside a non-run span', () => {
    const tracer = tracing.provider.getTracer('host-app');
    tracer.startActiveSpan('POST /triage', (http) => {
      startRun({ agentName: 'a' }, () => undefined);
      http.end();
    });
    const http = tracing.span('POST /triage');
    const run = tracing.span('invoke_agent a');
    expect(run.spanContext().traceId).not.toBe(http.spanContext().traceId);
    expect(parentId(run)).toBeUndefined();
    expect(linksOf(run)).toEqual([{ ...ref(http), attributes: { 'lineage.link.type': 'triggered_by' } }]);
    expect(run.attributes).toEqual({
      'lineage.span.type': 'run',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'a',
    });
  });

  it('links a run started inside another run spawned_by with the parent run id', () => {
    let parentRunId = '';
    startRun({ agentName: 'parent' }, (parent) => {
      parentRunId = parent.runId;
      startRun({ agentName: 'child' }, (child) => {
        expect(child.parentRunId).toBe(parent.runId);
        expect(getActiveRun()?.runId).toBe(child.runId);
      });
      expect(getActiveRun()?.runId).toBe(parent.runId);
    });
    const parent = tracing.span('invoke_agent parent');
    const child = tracing.span('invoke_agent child');
    expect(child.spanContext().traceId).not.toBe(parentRunId);
    expect(linksOf(child)).toEqual([{ ...ref(parent), attributes: { 'lineage.link.type': 'spawned_by' } }]);
    expect(child.attributes).toEqual({
      'lineage.span.type': 'run',
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'child',
      'lineage.run.trigger': 'agent',
      'lineage.run.parent_id': parentRunId,
    });
  });

  it('carries lineage.run.id in baggage inside the run', () => {
    startRun({ agentName: 'b' }, (run) => {
      expect(propagation.getBaggage(context.active())?.getEntry('lineage.run.id')?.value).toBe(run.runId);
    });
    expect(getActiveRun()).toBeUndefined();
  });

  it('follows async code and ends the span when the promise settles, returning the same promise', async () => {
    const value = { answer: 42 };
    let inner: string | undefined;
    const promise = Promise.resolve().then(() => value);
    const returned = startRun({ agentName: 'async' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      inner = trace.getActiveSpan()?.spanContext().traceId;
      return promise;
    });
    expect(tracing.spans()).toHaveLength(0);
    expect(await returned).toBe(value);
    const span = tracing.span('invoke_agent async');
    expect(inner).toBe(span.spanContext().traceId);

    const same = Promise.resolve(value);
    expect(startRun({ agentName: 'identity' }, () => same)).toBe(same);
  });

  it('passes a thrown exception through unchanged and marks the span as failed', () => {
    const error = new RangeError('boom');
    let caught: unknown;
    try {
      startRun({ agentName: 'sync-fail' }, () => {
        throw error;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(error);
    const span = tracing.span('invoke_agent sync-fail');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('passes a rejection through unchanged and marks the span as failed', async () => {
    const error = new Error('async boom');
    await expect(startRun({ agentName: 'async-fail' }, async () => Promise.reject(error))).rejects.toBe(
      error,
    );
    const thrown = { notAnError: true };
    await expect(startRun({ agentName: 'odd-fail' }, () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect(tracing.span('invoke_agent async-fail').status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'async boom',
    });
    expect(tracing.span('invoke_agent odd-fail').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('drops an invalid trigger instead of recording it', () => {
    startRun({ agentName: 't', trigger: 'moon-phase' as 'user' }, () => undefined);
    expect(tracing.span('invoke_agent t').attributes['lineage.run.trigger']).toBeUndefined();
  });
});
