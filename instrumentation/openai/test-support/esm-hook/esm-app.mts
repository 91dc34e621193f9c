/**
 * An ESM app that only registers the instrumentation and then imports `openai` (no
 * `instrument()` call): spans appear only when the loader hook patched the ESM module.
 * Prints one JSON line: the answer and the spans recorded.
 */
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { startFakeOpenAi } from '../../../../examples/fake-openai/server.js';
import { LineageOpenAIInstrumentation } from '../../index.js';

const recorded = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorded)] });
registerInstrumentations({
  instrumentations: [new LineageOpenAIInstrumentation()],
  tracerProvider: provider,
});
// Imported after registration, as an app's own `import 'openai'` is evaluated after `--import` hooks ran.
const { default: OpenAI } = await import('openai');
const fake = await startFakeOpenAi();
try {
  const client = new OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
  const response = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Where did this answer come from?' }],
  });
  const spans = recorded.getFinishedSpans().map((s) => ({
    name: s.name,
    scope: s.instrumentationScope.name,
    attributes: s.attributes,
  }));
  console.log(JSON.stringify({ answer: response.choices[0]?.message.content, spans }));
} finally {
  await fake.close();
}
