import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('health, readiness and metrics', () => {
  it('/healthz answers without a token', async () => {
    const res = await t.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz follows the readiness probe: 200, then 503 problem with Retry-After', async () => {
    expect((await t.request('/readyz')).status).toBe(200);
    t.setReady({ ready: false, detail: 'graph store unreachable' });
    const res = await t.request('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ status: 503, detail: 'graph store unreachable' });
    t.setReady({ ready: true });
  });

  it('/metrics serves Prometheus text with request counts by route template and status', async () => {
    await t.request(`/lineage/runs/${t.world.runA}`, { key: t.keys.engineering });
    await t.request('/lineage/runs/unknown-run', { key: t.keys.engineering });
    const res = await t.request('/metrics', { key: t.keys.engineering });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(
      /lineage_api_requests_total\{method="GET",route="\/lineage\/runs\/:runId",status="200"\} 1/,
    );
    expect(text).toMatch(
      /lineage_api_requests_total\{method="GET",route="\/lineage\/runs\/:runId",status="404"\} 1/,
    );
    expect(text).toMatch(
      /lineage_api_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/lineage\/runs\/:runId"/,
    );
    // Raw ids never become label values.
    expect(text).not.toContain(t.world.runA);
  });

  it('metrics registered by other components on the same registry are served too', async () => {
    const { Counter } = await import('prom-client');
    const ingest = new Counter({ name: 'lineage_ingest_spans_total', help: 'test', registers: [t.metrics] });
    ingest.inc(3);
    const text = await (await t.request('/metrics', { key: t.keys.engineering })).text();
    expect(text).toContain('lineage_ingest_spans_total 3');
  });
});
