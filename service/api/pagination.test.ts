import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_SOURCE } from '../test-support/lineage-world.js';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';
import type { TestKey } from '../test-support/test-keys.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

/** Follows nextCursor from the first page to the last, returning every item. */
async function collect<T>(path: string, key: TestKey, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await t.request(
      `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        key,
      },
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: T[]; nextCursor?: string };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 50);
  return { items, pages };
}

describe('pagination round-trips', () => {
  it('model runs: limit=1 pages give the same runs, newest first, as one big page', async () => {
    const path = `/lineage/models/${t.world.gptModel}/runs`;
    const whole = await collect<{ runId: string; startTimeMs: number }>(path, t.keys.engineering, 1000);
    const paged = await collect<{ runId: string; startTimeMs: number }>(path, t.keys.engineering, 1);
    expect(whole.pages).toBe(1);
    expect(paged.pages).toBeGreaterThanOrEqual(2);
    expect(paged.items).toEqual(whole.items);
    expect(whole.items.map((r) => r.runId)).toEqual([t.world.runB, t.world.runA]);
  });

  it('model runs honour from/to', async () => {
    const res = await t.request(
      `/lineage/models/${t.world.gptModel}/runs?from=2026-03-02T00:00:00Z&to=2026-03-31T00:00:00Z`,
      { key: t.keys.engineering },
    );
    const body = (await res.json()) as { items: { runId: string }[] };
    expect(body.items.map((r) => r.runId)).toEqual([t.world.runB]);
  });

  it('data source outputs: limit=1 pages round-trip, also through an auditor filter', async () => {
    const path = `/lineage/datasources/${encodeURIComponent(SHARED_SOURCE)}/outputs`;
    const whole = await collect<{ runId: string }>(path, t.keys.engineering, 1000);
    const paged = await collect<{ runId: string }>(path, t.keys.engineering, 1);
    expect(paged.items).toEqual(whole.items);
    expect(whole.items.map((o) => o.runId)).toEqual([t.world.runC, t.world.runB, t.world.runA]);
    const audited = await collect<{ runId: string }>(path, t.keys.auditorWindow, 1);
    expect(audited.items.map((o) => o.runId)).toEqual([t.world.runB, t.world.runA]);
  });

  it('the access log pages oldest first without gaps or repeats', async () => {
    for (let i = 0; i < 5; i += 1)
      await t.request(`/lineage/runs/${t.world.runA}`, { key: t.keys.auditorRuns });
    const whole = await collect<{ path: string }>('/lineage/access-log', t.keys.engineering, 1000);
    const paged = await collect<{ path: string }>('/lineage/access-log', t.keys.engineering, 2);
    expect(whole.items.length).toBeGreaterThanOrEqual(5);
    expect(paged.items.length).toBeGreaterThanOrEqual(5);
    expect(paged.items).toEqual(whole.items);
  });
});
