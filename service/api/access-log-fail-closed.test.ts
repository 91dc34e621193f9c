import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    accessLog: {
      append: async () => {
        throw new Error('disk full');
      },
      read: async () => ({ items: [] }),
    },
  });
});
afterAll(async () => t?.close());

describe('auditor access log fails closed', () => {
  it('an auditor gets a 503 problem, not the data, when the access log cannot be written', async () => {
    const res = await t.request(`/lineage/runs/${t.world.runA}`, { key: t.keys.auditorRuns });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: 'urn:agent-lineage:problem:access-log-unavailable' });
  });

  it('other roles are not logged and still served', async () => {
    expect((await t.request(`/lineage/runs/${t.world.runA}`, { key: t.keys.compliance })).status).toBe(200);
  });
});
