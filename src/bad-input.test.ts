import {
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  ROOT_CONTEXT,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLineage } from './config.js';
import { queryFingerprint } from './datasource.js';
import { canonicalize } from './hashing/canonical-json.js';
import { digestContent, sha256Bytes, sha256Json, sha256Text } from './hashing/sha256.js';
import { digestStream } from './hashing/stream-hash.js';
import { recordModelInvocation } from './model-invocation.js';
import { isPinnedModelName } from './model-pinning.js';
import { parseModelResponse } from './model-response.js';
import { recordOutput } from './output.js';
import { extractRunContext, injectRunContext, withExtractedContext } from './propagation.js';
import { pseudonymize } from './pseudonym.js';
import { recordRetrieval } from './retrieval.js';
import { startRun } from './run.js';
import { installTracing, TEST_KEY } from './test-support/tracing.js';
import { recordToolCall } from './tool-call.js';

const tracing = installTracing();
const logged: string[] = [];
const logger: DiagLogger = {
  error: (m) => logged.push(`error ${m}`),
  warn: (m) => logged.push(`warn ${m}`),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};
diag.setLogger(logger, DiagLogLevel.WARN);
afterAll(async () => {
  diag.disable();
  await tracing.shutdown();
});
beforeEach(() => {
  tracing.reset();
  logged.length = 0;
  configureLineage({ tracerProvider: tracing.provider, pseudonymKey: TEST_KEY, captureContent: true });
});

function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}
const HUGE = 'x'.repeat(5_000_000);
/** Values no JSON can hold, plus the usual suspects. */
const NASTY: readonly unknown[] = [
  undefined,
  null,
  0,
  '',
  HUGE,
  cyclic(),
  10n,
  () => 1,
  Symbol('s'),
  [cyclic()],
  { n: Number.NaN },
];
const anything = (v: unknown) => v as never;

describe('bad input never crashes the host', () => {
  it('configureLineage rejects bad configuration with a clear error', () => {
    expect(() => configureLineage(anything(null))).toThrow(/options must be an object/);
    expect(() => configureLineage(anything({ maxSourcesPerSpan: -1 }))).toThrow(
      /maxSourcesPerSpan must be a non-negative/,
    );
    expect(() => configureLineage(anything({ maxContentBytes: 1.5 }))).toThrow(RangeError);
    expect(() => configureLineage(anything({ captureContent: 'yes' }))).toThrow(
      /captureContent must be a boolean/,
    );
    expect(() => configureLineage(anything({ pseudonymKey: 'short' }))).toThrow(/at least 16 bytes/);
    expect(() => configureLineage(anything({ pseudonymKey: 42 }))).toThrow(/pseudonymKey must be/);
    expect(() => configureLineage(anything({ tracerProvider: {} }))).toThrow(/getTracer/);
    expect(() => configureLineage(anything({ maxSorcesPerSpan: 3 }))).toThrow(
      /unknown option 'maxSorcesPerSpan'/,
    );
    expect(() => configureLineage(undefined)).not.toThrow();
  });

  it('startRun records what it can from any options and always runs fn', () => {
    for (const bad of NASTY) {
      expect(startRun(anything(bad), () => 'ran')).toBe('ran');
      expect(
        startRun(
          anything({ agentName: bad, agentId: bad, environment: bad, trigger: bad, actor: bad }),
          () => 'ran',
        ),
      ).toBe('ran');
    }
    for (const span of tracing.spans()) {
      expect(span.name.length).toBeLessThanOrEqual('invoke_agent '.length + 1024);
      for (const value of Object.values(span.attributes)) {
        expect(['string', 'number', 'boolean'].includes(typeof value)).toBe(true);
        if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(1024);
      }
      const actor = span.attributes['lineage.run.actor'];
      if (actor !== undefined) expect(actor).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    expect(() => startRun({ agentName: 'a' }, anything(undefined))).toThrow(/fn must be a function/);
  });

  it('recordModelInvocation omits what cannot be hashed and still returns the result', async () => {
    for (const bad of NASTY) {
      const result = { bad };
      const returned = recordModelInvocation(
        anything({
          provider: bad,
          model: bad,
          messages: bad,
          tools: bad,
          system: bad,
          temperature: bad,
          inputs: bad,
        }),
        () => result,
      );
      expect(returned).toBe(result);
      expect(recordModelInvocation(anything(bad), () => 'ok')).toBe('ok');
    }
    // A parser that throws, a response that cannot be hashed, inputs that are not handles.
    const r = recordModelInvocation(
      anything({
        provider: 'p',
        model: 'm',
        inputs: [null, {}, 'x', 42],
        parseResponse: () => {
          throw new Error('parser bug');
        },
      }),
      () => 'fine',
    );
    expect(r).toBe('fine');
    recordModelInvocation({ provider: 'p', model: 'm2' }, (scope) => {
      scope.setResponse({ output: cyclic() });
      scope.setResponse(anything(undefined));
      scope.setResponse({ output: 10n, model: anything(Symbol('x')), inputTokens: Number.NaN });
    });
    const m2 = tracing.span('chat m2');
    expect(m2.attributes['lineage.output.sha256']).toBeUndefined();
    expect(m2.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    // A negative token count is no count.
    recordModelInvocation({ provider: 'p', model: 'm3' }, (scope) =>
      scope.setResponse({ inputTokens: -3, outputTokens: 2 }),
    );
    expect(tracing.span('chat m3').attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(tracing.span('chat m3').attributes['gen_ai.usage.output_tokens']).toBe(2);
    const cyclicInput = tracing
      .spans()
      .find((s) => s.name === 'chat' && s.attributes['lineage.input.sha256'] === undefined);
    expect(cyclicInput).toBeDefined();
    expect(logged.some((l) => l.includes('cyclic structure'))).toBe(true);
    expect(logged.some((l) => l.includes('parseResponse failed'))).toBe(true);
    expect(() => recordModelInvocation({ provider: 'p', model: 'm' }, anything('nope'))).toThrow(TypeError);
  });

  it('recordModelInvocation records a call whose messages throw when read, without their hashes or links', async () => {
    const boom = new Error('getter exploded');
    const hostile = [
      { role: 'user', content: 'earlier answer' },
      {
        get role(): string {
          throw boom;
        },
        content: 'x',
      },
      new Proxy(
        {},
        {
          get() {
            throw boom;
          },
        },
      ),
    ];
    await startRun({ agentName: 'hostile' }, async () => {
      // Something tracked in the run, so consumption inference scans the messages too.
      recordModelInvocation({ provider: 'p', model: 'first' }, (scope) =>
        scope.setResponse({ output: 'earlier answer' }),
      );
      const result = recordModelInvocation(
        { provider: 'p', model: 'hostile', messages: hostile, system: 'be careful' },
        () => 'answered',
      );
      expect(result).toBe('answered');
    });
    const span = tracing.span('chat hostile');
    expect(span.attributes['lineage.input.sha256']).toBeUndefined();
    expect(span.attributes['lineage.prompt.system.sha256']).toBeUndefined();
    expect(span.links).toEqual([]);
    expect(span.attributes['lineage.model.version']).toBe('hostile');
    expect(logged.some((l) => l.includes('getter exploded'))).toBe(true);
  });

  it('records a thrown error bounded, keeping its code as exception.type', async () => {
    const error = Object.assign(new Error('x'.repeat(1_000_000)), { code: 'ECONNREFUSED' });
    await expect(
      recordModelInvocation({ provider: 'p', model: 'failing' }, async () => {
        throw error;
      }),
    ).rejects.toBe(error);
    const span = tracing.span('chat failing');
    const event = span.events.find((e) => e.name === 'exception');
    expect(event?.attributes?.['exception.type']).toBe('ECONNREFUSED');
    expect(String(event?.attributes?.['exception.message']).length).toBe(8 * 1024);
    expect(span.status.message?.length).toBe(8 * 1024);
    // The caller's error itself is untouched.
    expect(error.message).toHaveLength(1_000_000);
  });

  it('recordRetrieval drops and counts sources it cannot record', async () => {
    for (const bad of NASTY) expect(recordRetrieval(anything(bad), () => 'ok')).toBe('ok');
    tracing.reset();
    const out = await recordRetrieval(
      {
        dataSourceId: 'kb',
        query: cyclic(),
        sources: () => {
          throw new Error('describe bug');
        },
      },
      async (scope) => {
        for (const bad of NASTY) expect(scope.addSource(anything(bad))).toBeUndefined();
        expect(scope.addSource({ kind: 'rag_chunk', content: cyclic() })).toBeUndefined();
        expect(scope.addSource({ kind: 'rag_chunk', content: 10n })).toBeUndefined();
        expect(scope.addSource(anything({ kind: 'bogus', content: 'x' }))).toBeUndefined();
        expect(scope.addSource({ kind: 'rag_chunk', sha256: 'not-a-hash' })).toBeUndefined();
        expect(
          scope.addSource({ kind: 'rag_chunk', id: 'big', content: HUGE, score: anything('high') }),
        ).toBeDefined();
        return 'result';
      },
    );
    expect(out).toBe('result');
    const span = tracing.span('retrieval kb');
    expect(span.attributes['lineage.query.sha256']).toBeUndefined();
    expect(span.attributes['lineage.datasource.count']).toBe(NASTY.length + 5);
    expect(span.attributes['lineage.datasource.dropped']).toBe(NASTY.length + 4);
    expect(span.events).toHaveLength(1);
    // Content above maxContentBytes is hashed, never copied — even with capture on.
    expect(span.events[0]?.attributes).toEqual({
      'lineage.datasource.id': 'big',
      'lineage.datasource.kind': 'rag_chunk',
      'lineage.content.sha256': digestContent(HUGE).sha256,
      'lineage.content.size': HUGE.length,
    });
  });

  it('recordToolCall records a drop for results that cannot be hashed', () => {
    for (const bad of NASTY) expect(recordToolCall(anything(bad), () => 'ok')).toBe('ok');
    tracing.reset();
    const result = 10n;
    expect(recordToolCall({ name: 't', arguments: cyclic(), definition: () => 1 }, () => result)).toBe(
      result,
    );
    const span = tracing.span('execute_tool t');
    expect(span.attributes).toEqual({
      'lineage.span.type': 'tool_call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 't',
      'lineage.datasource.count': 1,
      'lineage.datasource.dropped': 1,
    });
  });

  it('recordOutput always returns a handle and records what it can', () => {
    for (const bad of NASTY) {
      const handle = recordOutput(anything(bad));
      expect(handle.kind).toBe('output');
      recordOutput(anything({ content: bad, channel: bad, recipient: bad, inputs: bad, supersedes: bad }));
    }
    for (const span of tracing.spans()) expect(span.attributes['lineage.span.type']).toBe('output');
  });

  it('propagation helpers tolerate missing and malformed carriers', () => {
    expect(injectRunContext(anything(undefined))).toBeUndefined();
    expect(extractRunContext(anything(undefined), undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    for (const traceparent of [
      'garbage',
      '00-00000000000000000000000000000000-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
      HUGE,
    ]) {
      const ctx = extractRunContext({ traceparent, baggage: `%E0%A4%A=1,${HUGE}` }, undefined, ROOT_CONTEXT);
      expect(trace.getSpanContext(ctx)).toBeUndefined();
    }
    expect(() => withExtractedContext({}, anything(null))).toThrow(TypeError);
  });

  it('hashing and parsing helpers either answer or throw a TypeError with a message', async () => {
    const helpers: Record<string, (v: unknown) => unknown> = {
      canonicalize,
      digestContent,
      sha256Json,
      sha256Text: (v) => sha256Text(v as string),
      sha256Bytes: (v) => sha256Bytes(v as Uint8Array),
      queryFingerprint,
      parseModelResponse,
      isPinnedModelName,
    };
    for (const [name, helper] of Object.entries(helpers)) {
      for (const bad of NASTY) {
        try {
          helper(bad);
        } catch (error) {
          expect(error, name).toBeInstanceOf(TypeError);
          expect((error as Error).message.length, name).toBeGreaterThan(0);
        }
      }
    }
    for (const bad of NASTY) {
      if (bad === '' || bad === HUGE) continue;
      await expect(digestStream([bad])).rejects.toThrow(TypeError);
    }
    await expect(digestStream(anything(undefined))).rejects.toThrow(TypeError);
  });

  it('pseudonymize never returns a raw identifier', () => {
    for (const bad of NASTY) {
      const p = pseudonymize(bad, TEST_KEY);
      if (p !== undefined) expect(p).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    expect(pseudonymize('alice', undefined)).toBeUndefined();
    expect(pseudonymize('alice', () => undefined)).toBeUndefined();
    expect(
      pseudonymize('alice', () => {
        throw new Error('key store down');
      }),
    ).toBeUndefined();
  });

  it('keeps the host running when the tracer itself fails', async () => {
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer bug');
        },
        startActiveSpan: () => {
          throw new Error('tracer bug');
        },
      }),
    };
    configureLineage({ tracerProvider: broken });
    const value = { v: 1 };
    expect(startRun({ agentName: 'a' }, () => value)).toBe(value);
    expect(await recordModelInvocation({ provider: 'p', model: 'm' }, async () => value)).toBe(value);
    expect(recordRetrieval({}, (s) => s.addSource({ kind: 'document', content: 'x' }))).toBeUndefined();
    expect(
      recordToolCall({ name: 't' }, (s) => {
        s.setResult(1);
        return value;
      }),
    ).toBe(value);
    expect(recordOutput({ content: 'x' }).kind).toBe('output');
    expect(logged.filter((l) => l.includes('tracer bug'))).toHaveLength(0); // diag gets the Error object, not the message
    expect(logged.filter((l) => l.startsWith('error agent-lineage')).length).toBeGreaterThanOrEqual(5);
    expect(context.active()).toBe(ROOT_CONTEXT);
  });
});
