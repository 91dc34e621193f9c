import { context, propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { extractRunContext, injectRunContext, withExtractedContext } from './propagation.js';
import { getActiveRun, startRun } from './run.js';
import { installTracing } from './test-support/tracing.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());

describe('run context propagation without a global propagator', () => {
  it('writes W3C traceparent and baggage with lineage.run.id inside a run', () => {
    const { carrier, run, spanId } = startRun({ agentName: 'p' }, (run) => ({
      carrier: injectRunContext<Record<string, string>>({}),
      run,
      spanId: trace.getActiveSpan()?.spanContext().spanId,
    }));
    expect(carrier).toEqual({
      traceparent: `00-${run.runId}-${spanId}-01`,
      baggage: `lineage.run.id=${run.runId}`,
    });
  });

  it('writes nothing outside any span or run', () => {
    expect(injectRunContext({})).toEqual({});
  });

  it('extracts the remote span and parent run id, and a run started there is spawned_by it', () => {
    const headers = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      baggage: 'other=1;prop=x, lineage.run.id=0af7651916cd43dd8448eb211c80319c',
    };
    const ctx = extractRunContext(headers, undefined, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(propagation.getBaggage(ctx)?.getEntry('other')?.value).toBe('1');
    const child = withExtractedContext(headers, () => startRun({ agentName: 'sub' }, (run) => run));
    expect(child.parentRunId).toBe('0af7651916cd43dd8448eb211c80319c');
    const span = tracing.span('invoke_agent sub');
    expect(span.links.map((l) => [l.context.spanId, l.attributes])).toEqual([
      ['00f067aa0ba902b7', { 'lineage.link.type': 'spawned_by' }],
    ]);
    expect(span.attributes['lineage.run.parent_id']).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('reads array-valued (Node IncomingHttpHeaders) values and ignores a malformed run id', () => {
    const ctx = extractRunContext(
      {
        traceparent: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'],
        baggage: ['lineage.run.id=not-a-run-id', 'x=y'],
      },
      undefined,
      ROOT_CONTEXT,
    );
    expect(trace.getSpanContext(ctx)?.traceFlags).toBe(TraceFlags.NONE);
    const run = context.with(ctx, () => startRun({ agentName: 'x' }, (r) => r));
    expect(run.parentRunId).toBeUndefined();
    expect(getActiveRun()).toBeUndefined();
  });
});
