import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { installTracing, type TestTracing } from '../../src/test-support/tracing.js';
import { LineageOpenAIInstrumentation } from './instrumentation.js';
import { type FakeResponsesServer, startFakeResponses } from './test-support/responses-server.js';
import type { OpenAiModule } from './test-support/setup.js';

/**
 * Other openai majors than the installed 6.x, each installed outside the project:
 *   npm i openai@7 --prefix /tmp/openai7   (7.x declares Node >= 22; CI runs it on Node 24)
 *   OPENAI7_DIR=/tmp/openai7 npx vitest run instrumentation/openai/openai-majors
 * OPENAI4_DIR / OPENAI5_DIR work the same way for 4.x and 5.x. Each copy is loaded through
 * `require`, so the loader hook patches it exactly as in an application.
 */
const MAJORS = [
  { major: '7', dir: process.env.OPENAI7_DIR },
  { major: '5', dir: process.env.OPENAI5_DIR },
  { major: '4', dir: process.env.OPENAI4_DIR },
];
for (const { major, dir } of MAJORS) {
  if (dir === undefined) {
    console.warn(
      `openai ${major}.x test skipped: set OPENAI${major}_DIR to a directory where \`npm i openai@${major} --prefix <dir>\` ran`,
    );
  }
}

let tracing: TestTracing;
let instrumentation: LineageOpenAIInstrumentation;
let server: FakeOpenAiServer;
let responsesServer: FakeResponsesServer;
const spans = () =>
  tracing.spans().filter((s) => s.instrumentationScope.name === 'agent-lineage/instrumentation-openai');

beforeAll(async () => {
  tracing = installTracing();
  instrumentation = new LineageOpenAIInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  server = await startFakeOpenAi();
  responsesServer = await startFakeResponses();
});
afterAll(async () => {
  await server.close();
  await responsesServer.close();
  instrumentation.disable();
  await tracing.shutdown();
});
beforeEach(() => tracing.reset());

describe.each(MAJORS.filter((m) => m.dir !== undefined))('openai $major.x', ({ major, dir }) => {
  const root = dir as string;
  let openai: OpenAiModule;
  const client = (baseURL = server.baseURL) => new openai.OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 });

  beforeAll(() => {
    openai = createRequire(pathToFileURL(join(root, 'package.json')))('openai') as OpenAiModule;
  });

  it('loaded the right major', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules/openai/package.json'), 'utf8')) as {
      version: string;
    };
    expect(pkg.version.split('.')[0]).toBe(major);
  });

  it('records a chat call, keeping the APIPromise and withResponse()', async () => {
    const messages = [
      { role: 'system' as const, content: 'Be terse.' },
      { role: 'user' as const, content: `Hello ${major}` },
    ];
    const promise = client().chat.completions.create({ model: 'gpt-4o', messages });
    expect(promise.constructor.name).toBe('APIPromise');
    const { data, response } = await promise.withResponse();
    expect(response.status).toBe(200);
    expect(spans()[0]?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'lineage.input.sha256': sha256Json(messages),
      'lineage.prompt.system.sha256': sha256Text('Be terse.'),
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.output.sha256': sha256Text(data.choices[0]?.message.content ?? ''),
    });
  });

  it('observes a stream (tee, for await) with the first-token event', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: `stream ${major}` }],
      stream: true,
    });
    const [a, b] = stream.tee();
    let text = '';
    for await (const chunk of a) text += chunk.choices[0]?.delta.content ?? '';
    for await (const _ of b) {
      // drain
    }
    expect(spans()).toHaveLength(1);
    expect(spans()[0]?.attributes['lineage.output.sha256']).toBe(sha256Text(text));
    expect(spans()[0]?.events.map((e) => e.name)).toEqual(['lineage.first_token']);
  });

  it('records responses.create (when the major has it) and embeddings.create', async () => {
    const names: string[] = [];
    if (typeof openai.OpenAI.Responses === 'function') {
      const response = await client(responsesServer.baseURL).responses.create({
        model: 'gpt-4o',
        input: 'hi',
      });
      expect(spans()[0]?.attributes['lineage.output.sha256']).toBe(sha256Text(response.output_text));
      names.push('chat gpt-4o');
    }
    await client().embeddings.create({ model: 'text-embedding-3-small', input: `hi ${major}` });
    names.push('embeddings text-embedding-3-small');
    expect(spans().map((s) => s.name)).toEqual(names);
    expect(spans().at(-1)?.attributes['lineage.output.sha256']).toEqual(expect.any(String));
  });

  it('passes a 400 through as the same APIError subclass', async () => {
    await expect(client().chat.completions.create({ model: 'gpt-4o', messages: [] })).rejects.toBeInstanceOf(
      openai.BadRequestError,
    );
    expect(spans()[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

// vitest fails a file without tests; this one always runs and says which majors ran.
it('reports which extra openai majors were tested', () => {
  const ran = MAJORS.filter((m) => m.dir !== undefined).map((m) => m.major);
  expect(Array.isArray(ran)).toBe(true);
});
