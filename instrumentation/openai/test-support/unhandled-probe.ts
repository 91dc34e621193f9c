/**
 * Child-process probe for errors.test.ts: fires failing chat calls that nobody ever
 * consumes, with an uninstrumented and an instrumented client, and prints how many
 * unhandled rejections each produced and how many spans ended. Runs outside vitest,
 * whose own unhandled-rejection handler would fail the test run.
 */
import { createRequire } from 'node:module';
import PlainOpenAI from 'openai';
import { startFakeOpenAi } from '../../../examples/fake-openai/server.js';
import { installTracing } from '../../../src/test-support/tracing.js';
import { LineageOpenAIInstrumentation } from '../instrumentation.js';
import type { OpenAiModule } from './setup.js';

const tracing = installTracing();
const instrumentation = new LineageOpenAIInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
const patched = createRequire(import.meta.url)('openai') as OpenAiModule;
const server = await startFakeOpenAi();

const unhandled = { plain: 0, instrumented: 0 };
let phase: keyof typeof unhandled = 'plain';
process.on('unhandledRejection', () => {
  unhandled[phase]++;
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

const plain = new PlainOpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
void plain.chat.completions.create({ model: 'gpt-4o', messages: [] });
await settle();
phase = 'instrumented';
const client = new patched.OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
void client.chat.completions.create({ model: 'gpt-4o', messages: [] });
await settle();

const spans = tracing.spans().map((s) => ({ name: s.name, status: s.status.code }));
process.stdout.write(`${JSON.stringify({ unhandled, spans })}\n`);
await server.close();
instrumentation.disable();
await tracing.shutdown();
