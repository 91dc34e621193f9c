/**
 * Interoperability: the official `@opentelemetry/instrumentation-openai` (OTel GenAI
 * semconv, message content only in log records) → agent-lineage, in-process and through
 * the OTLP receiver.
 */
import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import type OpenAIModule from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { type LineagePath, startReceiverPath } from './test-support/lineage-paths.js';
import { type OpenAiAgentResult, runOpenAiAgent } from './test-support/openai-agent.js';
import { type OtlpLogSender, startOtlpLogSender } from './test-support/otlp-log-sender.js';

const require = createRequire(import.meta.url);
let fake: FakeOpenAiServer;
// One instance for the file: it patches globally, and only an instance that saw the module load can re-patch it.
const instrumentation = new OpenAIInstrumentation({ enabled: false });

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
  context.disable();
});

describe('@opentelemetry/instrumentation-openai → lineage', () => {
  describeInteropLineage({
    scope: '@opentelemetry/instrumentation-openai',
    paths: ['in-process', 'receiver'],
    recordsDocuments: false,
    recordsToolCalls: false,
    async run(path) {
      // registerInstrumentations sets the provider and enables: the first time it installs the
      // require hook that patches the CommonJS `openai` required below; later times it re-patches
      // the module it already saw (the hook does not fire again for a cached module).
      const unregister = registerInstrumentations({
        instrumentations: [instrumentation],
        tracerProvider: path.provider,
      });
      const openai = require('openai') as typeof OpenAIModule;
      const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
      const result = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: () => {
          unregister();
          expectUnpatched(openai.OpenAI.Chat.Completions.prototype.create);
        },
      };
    },
    gaps: {
      // The official instrumentation puts message content only in OTel log records
      // (`gen_ai.user.message`, `gen_ai.choice` events, and only with
      // captureMessageContent); its chat spans carry no `gen_ai.output.messages`, so
      // exporter/mapping/read-model.ts `outputOf` finds no output, the ModelInvocation has no
      // outputSha256, and infer-edges.ts `inferFinalOutput` has nothing to hash. Fix: ingest
      // OTLP logs (issue 5: `POST /v1/logs`) and fill the invocation's output hash from its
      // `gen_ai.choice` event (joined by trace/span id). Until then no FinalOutput exists.
      'final-output':
        'official OpenAI spans carry no output content (only log records do); no outputSha256 → no inferred FinalOutput',
      'backward-lineage': 'no FinalOutput (see final-output), so no output hash to walk back from',
      // No output content on the span → no IntermediateArtifact for the first call to be consumed.
      'model-chain': 'no output content on the spans → no IntermediateArtifact to chain (see final-output)',
      // Follows from the missing FinalOutput: store.completeness lists the run in runsWithoutFinalOutput
      // and the two ModelInvocations have no edge at all (no artifact, no CONTRIBUTED_TO) → orphans.
      complete:
        'without an output hash the ModelInvocations have no edges (orphans) and the run has no FinalOutput',
      // With no edges at all, "every edge is inferred" has nothing to check (the suite requires ≥ 1 edge).
      'inferred-marked': 'no edges are produced at all for these spans (see final-output)',
    },
  });
});

/**
 * Issue 5: "The official OpenAI instrumentation puts message content in log records: accept
 * OTLP logs (`POST /v1/logs`, gRPC LogsService) and use GenAI content events to fill hashes
 * of the invocation they belong to." This is the path that closes the gaps above.
 */
// INTEROP_STRICT=1 runs known gaps as ordinary tests, to read their actual failure messages.
const knownGap = process.env.INTEROP_STRICT ? it : it.fails;

describe('@opentelemetry/instrumentation-openai with captureMessageContent: log records to the receiver', () => {
  let path: LineagePath;
  let sender: OtlpLogSender;
  let run: OpenAiAgentResult;
  let unregister: (() => void) | undefined;

  beforeAll(async () => {
    path = await startReceiverPath();
    sender = startOtlpLogSender(path.otlpHttpUrl!);
    // setConfig replaces the whole config; keep enabled=false so registerInstrumentations enables (patches) it.
    instrumentation.setConfig({ captureMessageContent: true, enabled: false });
    // registerInstrumentations hands every instrumentation a logger provider (the global no-op one
    // unless given), so the app's logger provider must be passed here, not set beforehand.
    unregister = registerInstrumentations({
      instrumentations: [instrumentation],
      tracerProvider: path.provider,
      loggerProvider: sender.loggerProvider,
    });
    const openai = require('openai') as typeof OpenAIModule;
    const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
    run = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
    // Logs first: the spans' run must not be finalised before the content it needs has arrived.
    await sender.loggerProvider.forceFlush();
    await path.finalise();
  });

  afterAll(async () => {
    unregister?.();
    instrumentation.setConfig({ captureMessageContent: false, enabled: false });
    await sender?.loggerProvider.shutdown();
    await path?.close();
  });

  // Not a gap: proves the content the receiver needs is really in the log records it is sent.
  it('the instrumentation logs a gen_ai.choice event per call, tied to its chat span, with the answer text', () => {
    // This version names events with the `event.name` attribute (not the LogRecord eventName field).
    const choices = sender.records.filter((r) => r.attributes['event.name'] === 'gen_ai.choice');
    expect(choices).toHaveLength(2);
    const chatSpans = new Set(
      path.recorded
        .getFinishedSpans()
        .filter((s) => s.name.startsWith('chat '))
        .map((s) => s.spanContext().spanId),
    );
    for (const c of choices) expect(chatSpans.has(c.spanContext?.spanId ?? '')).toBe(true);
    expect(JSON.stringify(choices.map((c) => c.body))).toContain(JSON.stringify(run.answer).slice(1, -1));
  });

  // Gap: exporter/otlp/http-server.ts serves only /v1/traces (the logs decoders exist in
  // decode-protobuf.ts / decode-json.ts but nothing routes /v1/logs to the pipeline), so the
  // POST is refused and the Collector/app would drop or retry the records.
  knownGap(
    'the receiver accepts the log records (POST /v1/logs → 2xx) [known gap: no /v1/logs route]',
    () => {
      expect(sender.statuses.length).toBeGreaterThan(0);
      expect(sender.statuses.filter((status) => status < 200 || status >= 300)).toEqual([]);
    },
  );

  // Gap: with logs ingested, the `gen_ai.choice` body (message.content, or message.tool_calls)
  // of each span should give its ModelInvocation an outputSha256 and artifact; the last one then
  // backs the inferred FinalOutput (infer-edges.ts inferFinalOutput).
  knownGap(
    'the content events fill the output hashes: one inferred FinalOutput with the answer’s hash, reachable backwards [known gap: logs not ingested]',
    async () => {
      const graph = await path.runGraph(run.runId);
      const outputs = graph?.nodes.filter((n) => n.kind === 'FinalOutput') ?? [];
      expect(outputs).toHaveLength(1);
      expect(outputs[0]).toMatchObject({ sha256: run.answerSha256, inferred: true });
      const back = await path.outputSources(run.answerSha256);
      expect(back.outputs.map((o) => o.runId)).toContain(run.runId);
    },
  );
});
