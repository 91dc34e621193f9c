/**
 * An ESM app that only registers the LangChain instrumentation, then imports LangChain (no
 * `manuallyInstrument()` call) and runs a chat model: lineage spans appear only when the
 * loader hook patched the ESM build. Prints one JSON line with the spans recorded.
 */
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startFakeOpenAi } from '../../../examples/fake-openai/server.js';
import { LangChainLineageInstrumentation } from '../index.js';

const recorded = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorded)] });
registerInstrumentations({
  instrumentations: [new LangChainLineageInstrumentation()],
  tracerProvider: provider,
});
const { ChatOpenAI } = await import('@langchain/openai');
const fake = await startFakeOpenAi();
try {
  const model = new ChatOpenAI({
    model: 'gpt-4o',
    apiKey: 'sk-fake',
    configuration: { baseURL: fake.baseURL },
    maxRetries: 0,
  });
  const answer = await model.invoke('Where did this answer come from?');
  const spans = recorded.getFinishedSpans().map((s) => ({
    name: s.name,
    scope: s.instrumentationScope.name,
    attributes: s.attributes,
  }));
  console.log(JSON.stringify({ answer: answer.content, spans }));
} finally {
  await fake.close();
}
