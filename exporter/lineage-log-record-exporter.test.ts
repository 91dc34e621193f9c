import { ExportResultCode } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { LineageLogRecordExporter } from './lineage-log-record-exporter.js';
import type { SpanView } from './model/span-view.js';
import { IngestPipeline } from './pipeline/ingest-pipeline.js';
import { openSqliteGraphStore } from './stores/sqlite/sqlite-graph-store.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const record = (body: unknown, eventName = 'gen_ai.user.message') => ({
  hrTime: [1_700_000_000, 0] as const,
  spanContext: { traceId: TRACE, spanId: SPAN },
  attributes: { 'event.name': eventName },
  body,
});

function exportOnce(
  exporter: LineageLogRecordExporter,
  logs: Parameters<LineageLogRecordExporter['export']>[0],
): Promise<{ code: ExportResultCode; error?: Error }> {
  return new Promise((resolve) => exporter.export(logs, resolve));
}

describe('LineageLogRecordExporter', () => {
  it('stores GenAI content events durably before reporting success, and ignores other records', async () => {
    const store = await openSqliteGraphStore({ path: ':memory:' });
    const pipeline = new IngestPipeline({ store });
    const exporter = new LineageLogRecordExporter({ pipeline });
    const result = await exportOnce(exporter, [
      record({ content: 'Hi' }),
      record('plain log line', 'app.log'),
    ]);
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(await store.contentEvents(TRACE)).toEqual([
      expect.objectContaining({ spanId: SPAN, input: [{ role: 'user', content: 'Hi' }] }),
    ]);
    await exporter.shutdown();
    await store.close();
  });

  it('rejects content for a finalised run with a reason that says what to do, and still succeeds', async () => {
    const store = await openSqliteGraphStore({ path: ':memory:' });
    const pipeline = new IngestPipeline({ store });
    const chat: SpanView = {
      traceId: TRACE,
      spanId: SPAN,
      name: 'chat gpt-4o',
      kind: 2,
      startTimeMs: 1,
      endTimeMs: 2,
      status: { code: 0 },
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' },
      events: [],
      links: [],
      resource: {},
      scope: { name: 'x' },
      traceFlags: 1,
    };
    await pipeline.ingestViews([chat]);
    await store.markFinalised(TRACE, {
      finalisedAtMs: 3,
      sequence: 0,
      archiveKey: 'k',
      bundleSha256: 'a'.repeat(64),
    });
    const result = await pipeline.ingestReadableLogRecords([record({ content: 'late' })]);
    expect(result.contentEvents).toBe(0);
    expect(result.rejected).toEqual([
      expect.objectContaining({ reason: 'content_after_finalisation', traceId: TRACE, spanId: SPAN }),
    ]);
    expect(result.rejected[0]?.message).toMatch(/settle/);
    expect(pipeline.rejections.snapshot()).toEqual({ content_after_finalisation: 1 });
    await store.close();
  });

  it('never throws: a failing store and a shut-down exporter are FAILED results', async () => {
    const store = await openSqliteGraphStore({ path: ':memory:' });
    const exporter = new LineageLogRecordExporter({ pipeline: new IngestPipeline({ store }) });
    await store.close();
    const failed = await exportOnce(exporter, [record({ content: 'Hi' })]);
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(failed.error?.message).toMatch(/closed/);
    await exporter.shutdown();
    const after = await exportOnce(exporter, [record({ content: 'Hi' })]);
    expect(after).toEqual({ code: ExportResultCode.FAILED, error: expect.any(Error) });
  });

  it('a throwing result callback is reported through diag, not raised or left unhandled', async () => {
    const store = await openSqliteGraphStore({ path: ':memory:' });
    const exporter = new LineageLogRecordExporter({ pipeline: new IngestPipeline({ store }) });
    let called = 0;
    expect(() =>
      exporter.export([record({ content: 'Hi' })], () => {
        called++;
        throw new Error('callback bug');
      }),
    ).not.toThrow();
    await exporter.forceFlush();
    expect(called).toBe(1);
    await exporter.shutdown();
    await store.close();
  });
});
