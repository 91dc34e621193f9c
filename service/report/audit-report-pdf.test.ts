import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_MARKER } from '../test-support/lineage-world.js';
import { inspectPdf, renderPage } from '../test-support/pdf-tools.js';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';
import type { TestKey } from '../test-support/test-keys.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ limits: { maxReportRuns: 2 } });
});
afterAll(async () => t?.close());

async function report(key: TestKey, body: unknown): Promise<Response> {
  return t.request('/lineage/audit-report', {
    key,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function apiJsonLd(key: TestKey, runId: string): Promise<unknown> {
  const res = await t.request(`/lineage/runs/${runId}`, { key });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
  return res.json();
}

describe('integrity status hook', () => {
  it('prints what the injected integrityStatus(runIds) returns', async () => {
    const app = await startTestApp({
      integrityStatus: async (runIds) =>
        runIds.map((runId) => ({ runId, status: 'anchored', detail: 'leaf 42, checkpoint 7' })),
    });
    try {
      const res = await app.request('/lineage/audit-report', {
        key: app.keys.compliance,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ runIds: [app.world.runA] }),
      });
      const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
      expect(pdf.text).toMatch(new RegExp(`${app.world.runA}\\s+anchored\\s+leaf 42, checkpoint 7`));
    } finally {
      await app.close();
    }
  });
});

describe('POST /lineage/audit-report', () => {
  it('returns a valid PDF whose embedded JSON-LD equals the API JSON-LD of the same runs (engineering)', async () => {
    const runIds = [t.world.runB, t.world.runA];
    const res = await report(t.keys.engineering, { runIds });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="audit-report.pdf"');
    const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
    expect(pdf.qpdfCheck).toMatch(/No syntax or stream encoding errors found/);
    expect(pdf.attachmentList).toMatch(/^1 embedded files\n1: lineage\.jsonld$/m);
    const embedded = JSON.parse(
      pdf.attachments.get('lineage.jsonld')?.toString('utf8') ?? 'null',
    ) as unknown[];
    expect(embedded).toEqual([
      await apiJsonLd(t.keys.engineering, t.world.runB),
      await apiJsonLd(t.keys.engineering, t.world.runA),
    ]);
    expect(JSON.stringify(embedded)).toContain(CONTENT_MARKER);
    for (const heading of [
      '1. Runs',
      '2. Agents and versions',
      '3. Models and versions',
      '4. Data sources',
      '5. Completeness findings',
      '6. Integrity status',
    ]) {
      expect(pdf.text).toContain(heading);
    }
    expect(pdf.text).toContain(t.world.runA);
    expect(pdf.text).toContain('loan-agent');
    expect(pdf.text).toContain(t.world.gptModel);
    expect(pdf.text).toContain('kb:credit-policy-7');
    expect(pdf.text).toContain('not yet anchored');
  });

  it('for compliance the attachment equals the compliance API JSON-LD and holds no content', async () => {
    const res = await report(t.keys.compliance, { runIds: [t.world.runC] });
    const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
    const text = pdf.attachments.get('lineage.jsonld')?.toString('utf8') ?? '';
    expect(JSON.parse(text)).toEqual([await apiJsonLd(t.keys.compliance, t.world.runC)]);
    expect(text).not.toContain(CONTENT_MARKER);
    expect(pdf.text).not.toContain(CONTENT_MARKER);
    expect(pdf.text).toContain('not included');
  });

  it('a date range reports the archived runs that started in it, oldest first', async () => {
    const res = await report(t.keys.engineering, {
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-31T23:59:59Z',
    });
    expect(res.status).toBe(200);
    const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
    const docs = JSON.parse(pdf.attachments.get('lineage.jsonld')?.toString('utf8') ?? '[]') as {
      'lin:runId': string;
    }[];
    expect(docs.map((d) => d['lin:runId'])).toEqual([t.world.runA, t.world.runB]);
  });

  it('an empty range gives a valid report with no runs', async () => {
    const res = await report(t.keys.compliance, { from: '2025-01-01T00:00:00Z', to: '2025-01-31T00:00:00Z' });
    const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
    expect(pdf.qpdfCheck).toMatch(/No syntax or stream encoding errors found/);
    expect(JSON.parse(pdf.attachments.get('lineage.jsonld')?.toString('utf8') ?? 'null')).toEqual([]);
  });

  it('refuses more runs than the limit: 400 for run ids, 422 for a range', async () => {
    const ids = await report(t.keys.engineering, { runIds: [t.world.runA, t.world.runB, t.world.runC] });
    expect(ids.status).toBe(400);
    const range = await report(t.keys.engineering, {
      from: '2026-01-01T00:00:00Z',
      to: '2026-12-31T00:00:00Z',
    });
    expect(range.status).toBe(422);
    expect(await range.json()).toMatchObject({ type: 'urn:agent-lineage:problem:too-many-runs' });
  });

  it('renders readable pages (pdftoppm)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lineage-render-'));
    try {
      const res = await report(t.keys.compliance, { runIds: [t.world.runA] });
      const png = await renderPage(new Uint8Array(await res.arrayBuffer()), dir, 1, 50);
      expect((await stat(png)).size).toBeGreaterThan(5_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
