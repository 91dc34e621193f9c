import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordModelInvocation } from './model-invocation.js';
import { recordOutput } from './output.js';
import { extractRunContext, injectRunContext } from './propagation.js';
import { startRun } from './run.js';
import { installTracing, linksOf, parentId, ref } from './test-support/tracing.js';
import { recordToolCall } from './tool-call.js';

const tracing = installTracing();

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const part of req) body += part;
  return body;
}

function post(url: string, body: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'text/plain', ...headers } },
      (res) => {
        readBody(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The sub-agent: a separate service that starts its own run inside the context extracted from the request. */
const subAgent = createServer();
subAgent.on('request', (req, res) => {
  void context.with(extractRunContext(req.headers), () =>
    startRun({ agentName: 'researcher', agentVersion: '0.3.0' }, async () => {
      const question = await readBody(req);
      const answer = await recordModelInvocation(
        {
          provider: 'openai',
          model: 'gpt-4o-mini-2024-07-18',
          messages: [{ role: 'user', content: question }],
        },
        async () => 'Rates rose 0.25 points.',
      );
      recordOutput({ content: answer, channel: 'api' });
      res.end(answer);
    }),
  );
});

let subAgentUrl = '';

/** The orchestrator: an HTTP service whose run delegates to the sub-agent through a tool call. */
const orchestrator = createServer((req, res) => {
  void context.with(extractRunContext(req.headers), () =>
    startRun({ agentName: 'orchestrator', trigger: 'api' }, async () => {
      const question = await readBody(req);
      const answer = await recordToolCall({ name: 'ask_researcher', callId: 'call_r1' }, () =>
        post(subAgentUrl, question, injectRunContext({})),
      );
      res.end(answer);
    }),
  );
});

let orchestratorUrl = '';

beforeAll(async () => {
  subAgentUrl = await listen(subAgent);
  orchestratorUrl = await listen(orchestrator);
});

afterAll(async () => {
  subAgent.close();
  orchestrator.close();
  await Promise.all([once(subAgent, 'close'), once(orchestrator, 'close')]);
  await tracing.shutdown();
});

beforeEach(() => tracing.reset());

async function callThroughBothServers() {
  const tracer = tracing.provider.getTracer('client');
  const answer = await tracer.startActiveSpan('client POST /ask', async (span) => {
    const result = await post(orchestratorUrl, 'What happened to rates?', injectRunContext({}));
    span.end();
    return result;
  });
  expect(answer).toBe('Rates rose 0.25 points.');
  await tracing.provider.forceFlush();

  const client = tracing.span('client POST /ask');
  const parentRun = tracing.span('invoke_agent orchestrator');
  const tool = tracing.span('execute_tool ask_researcher');
  const childRun = tracing.span('invoke_agent researcher');
  const childModel = tracing.span('chat gpt-4o-mini-2024-07-18');

  // The orchestrator's run is a new trace triggered by the client's (non-run) span.
  expect(parentRun.spanContext().traceId).not.toBe(client.spanContext().traceId);
  expect(linksOf(parentRun)).toEqual([
    { ...ref(client), attributes: { 'lineage.link.type': 'triggered_by' } },
  ]);
  expect(parentRun.attributes['lineage.run.parent_id']).toBeUndefined();
  expect(parentId(tool)).toBe(parentRun.spanContext().spanId);

  // The researcher's run is a new trace spawned by the orchestrator's tool call, across HTTP.
  expect(childRun.spanContext().traceId).not.toBe(parentRun.spanContext().traceId);
  expect(parentId(childRun)).toBeUndefined();
  expect(linksOf(childRun)).toEqual([{ ...ref(tool), attributes: { 'lineage.link.type': 'spawned_by' } }]);
  expect(childRun.attributes).toEqual({
    'lineage.span.type': 'run',
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': 'researcher',
    'lineage.agent.version': '0.3.0',
    'lineage.run.trigger': 'agent',
    'lineage.run.parent_id': parentRun.spanContext().traceId,
  });
  expect(childModel.spanContext().traceId).toBe(childRun.spanContext().traceId);
  expect(parentId(childModel)).toBe(childRun.spanContext().spanId);
}

describe('a sub-agent across an HTTP boundary', () => {
  it('links spawned_by through traceparent + baggage written by the SDK itself (no global propagator)', async () => {
    propagation.disable();
    expect(propagation.fields()).toEqual([]);
    await callThroughBothServers();
  });

  it('links spawned_by through the globally registered W3C propagators', async () => {
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
    try {
      const carrier = startRun({ agentName: 'probe' }, () => injectRunContext<Record<string, string>>({}));
      expect(Object.keys(carrier).sort()).toEqual(['baggage', 'traceparent']);
      await callThroughBothServers();
    } finally {
      propagation.disable();
    }
  });
});
