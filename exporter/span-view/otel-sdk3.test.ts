import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LineageSpanExporter } from '../lineage-span-exporter.js';
import { IngestPipeline } from '../pipeline/ingest-pipeline.js';
import { openSqliteGraphStore } from '../stores/sqlite/sqlite-graph-store.js';
import { readableSpansToViews } from './from-readable-span.js';

/**
 * OpenTelemetry JS SDK 3.x (`@opentelemetry/sdk-trace` 3.x) needs Node ≥ 22.15, so it
 * cannot be a devDependency of this Node-20 project. `.ci/run` installs it beside the
 * project for the Node 24 pass and points OTEL_SDK3_DIR at it.
 */
const DIR = process.env.OTEL_SDK3_DIR;
if (DIR === undefined) {
  console.warn(
    'otel-sdk3.test.ts skipped: set OTEL_SDK3_DIR to a folder with @opentelemetry/sdk-trace@3 installed (CI does this on Node 24)',
  );
}

interface Sdk3 {
  TracerProvider: new (options: {
    spanProcessors: unknown[];
  }) => {
    getTracer(name: string): {
      startSpan(
        name: string,
        options?: object,
        ctx?: unknown,
      ): { spanContext(): { traceId: string; spanId: string }; end(): void };
    };
    forceFlush(): Promise<void>;
  };
  SimpleSpanProcessor: new (options: { exporter: unknown }) => unknown;
  InMemorySpanExporter: new () => { getFinishedSpans(): unknown[] };
}

async function loadSdk3(dir: string): Promise<{ sdk: Sdk3; version: string }> {
  const require = createRequire(join(dir, 'package.json'));
  const entry = require.resolve('@opentelemetry/sdk-trace');
  const { readFileSync } = await import('node:fs');
  const pkg = join(dir, 'node_modules', '@opentelemetry', 'sdk-trace', 'package.json');
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  return { sdk: (await import(pathToFileURL(entry).href)) as Sdk3, version };
}

describe.skipIf(DIR === undefined)('OpenTelemetry JS SDK 3.x ReadableSpan', () => {
  it('normalises real 3.x spans (ids, parentage, attributes, events, links, times)', async () => {
    const { sdk, version } = await loadSdk3(DIR!);
    expect(version).toMatch(/^3\./);
    const memory = new sdk.InMemorySpanExporter();
    const provider = new sdk.TracerProvider({
      spanProcessors: [new sdk.SimpleSpanProcessor({ exporter: memory })],
    });
    const tracer = provider.getTracer('sdk3-test');
    const root = tracer.startSpan('invoke_agent demo', {
      root: true,
      attributes: { 'lineage.span.type': 'run', 'gen_ai.agent.name': 'demo' },
    });
    const { trace } = await import('@opentelemetry/api');
    const ctx = trace.setSpanContext((await import('@opentelemetry/api')).context.active(), {
      ...root.spanContext(),
      traceFlags: 1,
    });
    const child = tracer.startSpan(
      'chat gpt-4o',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o',
          'lineage.output.sha256': 'a'.repeat(64),
        },
        links: [{ context: root.spanContext(), attributes: { 'lineage.link.type': 'consumed' } }],
      },
      ctx,
    );
    child.end();
    root.end();
    await provider.forceFlush();
    const { views, rejected } = readableSpansToViews(memory.getFinishedSpans() as never);
    expect(rejected).toEqual([]);
    const chat = views.find((v) => v.name === 'chat gpt-4o')!;
    expect(chat).toMatchObject({
      traceId: root.spanContext().traceId,
      parentSpanId: root.spanContext().spanId,
      attributes: { 'gen_ai.request.model': 'gpt-4o' },
      links: [
        {
          traceId: root.spanContext().traceId,
          spanId: root.spanContext().spanId,
          attributes: { 'lineage.link.type': 'consumed' },
        },
      ],
      scope: { name: 'sdk3-test' },
    });
    expect(chat.endTimeMs).toBeGreaterThanOrEqual(chat.startTimeMs);
  });

  it('LineageSpanExporter works as a 3.x SpanExporter under the 3.x SimpleSpanProcessor', async () => {
    const { sdk } = await loadSdk3(DIR!);
    const store = await openSqliteGraphStore({ path: ':memory:' });
    const exporter = new LineageSpanExporter({ pipeline: new IngestPipeline({ store }) });
    const provider = new sdk.TracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor({ exporter })] });
    const root = provider.getTracer('sdk3-test').startSpan('invoke_agent demo', {
      root: true,
      attributes: { 'lineage.span.type': 'run', 'gen_ai.agent.name': 'demo' },
    });
    root.end();
    await provider.forceFlush();
    await exporter.forceFlush();
    const graph = await store.getRun(root.spanContext().traceId);
    expect(graph?.nodes.map((n) => n.kind)).toEqual(['ExecutionRun']);
    await exporter.shutdown();
    await store.close();
  });
});
