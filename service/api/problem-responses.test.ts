import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ limits: { maxBodyBytes: 1024 } });
});
afterAll(async () => t?.close());

/** Asserts an RFC 9457 problem response and returns its document. */
async function problem(res: Response, status: number, slug: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const doc = (await res.json()) as Record<string, unknown>;
  expect(doc).toMatchObject({ type: `urn:agent-lineage:problem:${slug}`, status });
  expect(typeof doc.title).toBe('string');
  expect(typeof doc.detail).toBe('string');
  expect(typeof doc.instance).toBe('string');
  return doc;
}

describe('problem+json for every error', () => {
  const eng = () => ({ key: t.keys.engineering });

  it('401 without a token, with a malformed header and with an unknown token', async () => {
    const none = await t.request('/lineage/runs/abc');
    await problem(none, 401, 'unauthorized');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="agent-lineage"');
    const basic = await t.request('/lineage/runs/abc', { headers: { authorization: 'Basic dTpw' } });
    await problem(basic, 401, 'unauthorized');
    expect(basic.headers.get('www-authenticate')).toContain('error="invalid_request"');
    const wrong = await t.request('/lineage/runs/abc', { headers: { authorization: 'Bearer not-a-key' } });
    await problem(wrong, 401, 'unauthorized');
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('404 for an unknown route, run, output, model and data source', async () => {
    const route = await problem(await t.request('/nope', eng()), 404, 'not-found');
    expect(route.instance).toBe('/nope');
    await problem(await t.request('/lineage/runs/0123456789abcdef0123456789abcdef', eng()), 404, 'not-found');
    await problem(await t.request(`/lineage/outputs/${'a'.repeat(64)}/sources`, eng()), 404, 'not-found');
    await problem(await t.request('/lineage/models/no-such-model/runs', eng()), 404, 'not-found');
    await problem(await t.request('/lineage/datasources/no-such-source/outputs', eng()), 404, 'not-found');
    await problem(
      await t.request('/lineage/audit-report', {
        ...eng(),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ runIds: ['0123456789abcdef0123456789abcdef'] }),
      }),
      404,
      'not-found',
    );
  });

  it('405 with Allow for a known path and the wrong method', async () => {
    const res = await t.request('/lineage/audit-report', eng());
    await problem(res, 405, 'method-not-allowed');
    expect(res.headers.get('allow')).toBe('POST');
    const put = await t.request(`/lineage/runs/${t.world.runA}`, { ...eng(), method: 'PUT' });
    await problem(put, 405, 'method-not-allowed');
    expect(put.headers.get('allow')).toBe('GET, HEAD');
    await problem(await t.request('/healthz', { method: 'POST' }), 405, 'method-not-allowed');
  });

  it('400 for malformed JSON, 413 for an oversize body, 415 for another media type', async () => {
    const post = (body: string, type = 'application/json') =>
      t.request('/lineage/audit-report', {
        ...eng(),
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
    await problem(await post('{"runIds": ['), 400, 'malformed-json');
    await problem(await post(JSON.stringify({ runIds: ['x'.repeat(2000)] })), 413, 'payload-too-large');
    await problem(await post('runIds=1', 'application/x-www-form-urlencoded'), 415, 'unsupported-media-type');
  });

  it('400 validation problems name the field', async () => {
    const bad = async (path: string) => problem(await t.request(path, eng()), 400, 'validation');
    expect((await bad('/lineage/outputs/not-a-hash/sources')).detail).toMatch(/outputHash/);
    await bad(`/lineage/outputs/${'g'.repeat(64)}/sources`);
    await bad(`/lineage/runs/${'r'.repeat(129)}`);
    await bad('/lineage/runs/abc%00def');
    await bad('/lineage/runs/abc%1Bdef');
    await bad(`/lineage/runs/${t.world.runA}?format=xml`);
    await bad(`/lineage/runs/${t.world.runA}?unexpected=1`);
    await bad(`/lineage/models/${t.world.gptModel}/runs?limit=0`);
    await bad(`/lineage/models/${t.world.gptModel}/runs?limit=1001`);
    await bad(`/lineage/models/${t.world.gptModel}/runs?limit=abc`);
    await bad(`/lineage/models/${t.world.gptModel}/runs?from=yesterday`);
    const order = await bad(
      `/lineage/models/${t.world.gptModel}/runs?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z`,
    );
    expect(order.errors).toEqual([{ path: 'from', message: 'from must not be after to' }]);
    await bad(`/lineage/models/${'m'.repeat(257)}/runs`);
    await bad(`/lineage/datasources/${encodeURIComponent('a\u0007b')}/outputs`);
    await bad('/lineage/runs/%E2%80%AEevil');
    await problem(await t.request('/lineage/runs/%FF', eng()), 400, 'invalid-path');
  });

  it('400 for audit-report bodies outside the contract', async () => {
    const post = (body: unknown) =>
      t.request('/lineage/audit-report', {
        ...eng(),
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await problem(await post({ runIds: [] }), 400, 'validation');
    await problem(await post({ runIds: ['a', 'a'] }), 400, 'validation');
    await problem(await post({ from: '2026-01-01T00:00:00Z' }), 400, 'validation');
    await problem(
      await post({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }),
      400,
      'validation',
    );
    await problem(
      await post({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }),
      400,
      'validation',
    );
    await problem(await post({ runIds: [t.world.runA], extra: true }), 400, 'validation');
    await problem(await post([1, 2]), 400, 'validation');
  });

  it('400 for a cursor the store did not issue', async () => {
    const res = await t.request(`/lineage/models/${t.world.gptModel}/runs?cursor=bogus`, eng());
    await problem(res, 400, 'invalid-cursor');
    await problem(await t.request('/lineage/access-log?cursor=bogus', eng()), 400, 'invalid-cursor');
  });

  it('errors carry no internals and responses are not cacheable', async () => {
    const res = await t.request('/lineage/runs/abc', eng());
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-powered-by')).toBeNull();
    const doc = await problem(res, 404, 'not-found');
    expect(JSON.stringify(doc)).not.toMatch(/at .*\.ts|Error:/);
  });
});
