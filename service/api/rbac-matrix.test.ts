import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from '../auth/access-log.js';
import { CONTENT_MARKER, SHARED_SOURCE } from '../test-support/lineage-world.js';
import { inspectPdf } from '../test-support/pdf-tools.js';
import { startTestApp, type TestApp } from '../test-support/start-test-app.js';
import type { TestKey } from '../test-support/test-keys.js';

type Caller = 'anonymous' | 'engineering' | 'compliance' | 'auditorRuns' | 'auditorWindow';
const CALLERS: readonly Caller[] = ['anonymous', 'engineering', 'compliance', 'auditorRuns', 'auditorWindow'];

interface Case {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** Expected status per caller. */
  readonly expect: Readonly<Record<Caller, number>>;
  /** For list answers: the run ids each caller may see (exactly). */
  readonly runsSeen?: Partial<Record<Caller, readonly string[]>>;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

/** The whole matrix: roles × endpoints × (in scope / out of scope). auditorRuns = run A; auditorWindow = March (A, B). */
function cases(): Case[] {
  const { runA, runB, runC, sharedOutputSha256, outputCSha256, gptModel, claudeModel } = t.world;
  const all = (s: number) => ({
    anonymous: 401,
    engineering: s,
    compliance: s,
    auditorRuns: s,
    auditorWindow: s,
  });
  const engOnly = { anonymous: 401, engineering: 200, compliance: 403, auditorRuns: 403, auditorWindow: 403 };
  return [
    {
      name: 'run A JSON-LD (in both auditor scopes)',
      method: 'GET',
      path: `/lineage/runs/${runA}`,
      expect: all(200),
    },
    {
      name: 'run B graph (window only)',
      method: 'GET',
      path: `/lineage/runs/${runB}?format=graph`,
      expect: { ...all(200), auditorRuns: 403 },
    },
    {
      name: 'run C JSON-LD (out of both scopes)',
      method: 'GET',
      path: `/lineage/runs/${runC}`,
      expect: { ...all(200), auditorRuns: 403, auditorWindow: 403 },
    },
    {
      name: 'run C graph (out of both scopes)',
      method: 'GET',
      path: `/lineage/runs/${runC}?format=graph`,
      expect: { ...all(200), auditorRuns: 403, auditorWindow: 403 },
    },
    {
      name: 'sources of the output shared by A and B (filtered)',
      method: 'GET',
      path: `/lineage/outputs/${sharedOutputSha256}/sources`,
      expect: all(200),
      runsSeen: {
        engineering: [runA, runB],
        compliance: [runA, runB],
        auditorRuns: [runA],
        auditorWindow: [runA, runB],
      },
    },
    {
      name: 'sources of the output of C (out of scope → 403)',
      method: 'GET',
      path: `/lineage/outputs/${outputCSha256}/sources`,
      expect: { ...all(200), auditorRuns: 403, auditorWindow: 403 },
    },
    {
      name: 'runs of the gpt model (filtered)',
      method: 'GET',
      path: `/lineage/models/${gptModel}/runs`,
      expect: all(200),
      runsSeen: {
        engineering: [runA, runB],
        compliance: [runA, runB],
        auditorRuns: [runA],
        auditorWindow: [runA, runB],
      },
    },
    {
      name: 'runs of the claude model (only out-of-scope runs → empty for auditors)',
      method: 'GET',
      path: `/lineage/models/${claudeModel}/runs`,
      expect: all(200),
      runsSeen: { engineering: [runC], compliance: [runC], auditorRuns: [], auditorWindow: [] },
    },
    {
      name: 'outputs of the shared data source (filtered)',
      method: 'GET',
      path: `/lineage/datasources/${encodeURIComponent(SHARED_SOURCE)}/outputs`,
      expect: all(200),
      runsSeen: {
        engineering: [runA, runB, runC],
        compliance: [runA, runB, runC],
        auditorRuns: [runA],
        auditorWindow: [runA, runB],
      },
    },
    {
      name: 'audit report of run A',
      method: 'POST',
      path: '/lineage/audit-report',
      body: { runIds: [runA] },
      expect: all(200),
    },
    {
      name: 'audit report of run B',
      method: 'POST',
      path: '/lineage/audit-report',
      body: { runIds: [runB] },
      expect: { ...all(200), auditorRuns: 403 },
    },
    {
      name: 'audit report of runs A and C (C out of scope)',
      method: 'POST',
      path: '/lineage/audit-report',
      body: { runIds: [runA, runC] },
      expect: { ...all(200), auditorRuns: 403, auditorWindow: 403 },
    },
    {
      name: 'audit report of a date range (filtered)',
      method: 'POST',
      path: '/lineage/audit-report',
      body: { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' },
      expect: all(200),
      runsSeen: {
        engineering: [runA, runB, runC],
        compliance: [runA, runB, runC],
        auditorRuns: [runA],
        auditorWindow: [runA, runB],
      },
    },
    {
      name: 'unknown run (auditor with a run list: 403 without lookup; window auditor: 404)',
      method: 'GET',
      path: '/lineage/runs/0123456789abcdef0123456789abcdef',
      expect: { ...all(404), auditorRuns: 403 },
    },
    { name: 'access log', method: 'GET', path: '/lineage/access-log', expect: engOnly },
    { name: 'metrics', method: 'GET', path: '/metrics', expect: engOnly },
    {
      name: 'DELETE a run (nobody may write)',
      method: 'DELETE',
      path: `/lineage/runs/${runA}`,
      expect: all(405),
    },
    {
      name: 'POST to a run (read-only API)',
      method: 'POST',
      path: `/lineage/runs/${runA}`,
      body: {},
      expect: all(405),
    },
    { name: 'unknown route', method: 'GET', path: '/lineage/nothing-here', expect: all(404) },
  ];
}

function keyOf(caller: Caller): TestKey | undefined {
  return caller === 'anonymous' ? undefined : t.keys[caller];
}

/** Run ids visible in a list, report or lineage answer. */
function runIdsIn(body: unknown): string[] {
  const b = body as { items?: { runId: string }[]; outputs?: { runId: string }[] };
  const list = b.items ?? b.outputs ?? [];
  return [...new Set(list.map((i) => i.runId))].sort();
}

describe('RBAC matrix: roles × endpoints × scope', () => {
  const auditorCalls: { keyId: string; method: string; path: string; status: number }[] = [];

  it('answers every cell with the expected status, and only engineering ever sees content', async () => {
    const failures: string[] = [];
    for (const c of cases()) {
      for (const caller of CALLERS) {
        const key = keyOf(caller);
        const res = await t.request(c.path, {
          method: c.method,
          ...(key ? { key } : {}),
          ...(c.body !== undefined
            ? { body: JSON.stringify(c.body), headers: { 'content-type': 'application/json' } }
            : {}),
        });
        const cell = `${c.name} / ${caller}`;
        if (res.status !== c.expect[caller])
          failures.push(`${cell}: expected ${c.expect[caller]}, got ${res.status}`);
        if (caller === 'auditorRuns' || caller === 'auditorWindow') {
          auditorCalls.push({ keyId: key?.key.id ?? '', method: c.method, path: c.path, status: res.status });
        }
        const type = res.headers.get('content-type') ?? '';
        if (res.status >= 400) {
          expect(type, cell).toMatch(/^application\/problem\+json/);
          const problem = (await res.json()) as Record<string, unknown>;
          expect(problem.status, cell).toBe(res.status);
          if (res.status === 401) expect(res.headers.get('www-authenticate'), cell).toMatch(/^Bearer /);
          continue;
        }
        let visible: string;
        let listed: string[] | undefined;
        if (type.startsWith('application/pdf')) {
          const pdf = await inspectPdf(new Uint8Array(await res.arrayBuffer()));
          expect(pdf.qpdfCheck, cell).toMatch(/No syntax or stream encoding errors/);
          const jsonld = pdf.attachments.get('lineage.jsonld');
          expect(jsonld, cell).toBeDefined();
          visible = `${pdf.text}\n${jsonld?.toString('utf8')}`;
          const docs = JSON.parse(jsonld?.toString('utf8') ?? '[]') as { 'lin:runId': string }[];
          listed = docs.map((d) => d['lin:runId']).sort();
        } else {
          visible = await res.text();
          if (type.startsWith('application/json') && c.runsSeen) listed = runIdsIn(JSON.parse(visible));
        }
        const expectedRuns = c.runsSeen?.[caller];
        if (expectedRuns) expect(listed, cell).toEqual([...expectedRuns].sort());
        const hasContent = visible.includes(CONTENT_MARKER);
        if (caller !== 'engineering' && hasContent) failures.push(`${cell}: captured content leaked`);
        // The run endpoints must really carry content for engineering, or the leak check proves nothing.
        if (caller === 'engineering' && c.path.startsWith('/lineage/runs/') && !hasContent) {
          failures.push(`${cell}: engineering did not get captured content`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('wrote every auditor request, allowed or denied, to the access log engineering reads', async () => {
    const entries: AccessLogEntry[] = [];
    let cursor: string | undefined;
    do {
      const res = await t.request(`/lineage/access-log?limit=7${cursor ? `&cursor=${cursor}` : ''}`, {
        key: t.keys.engineering,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: AccessLogEntry[]; nextCursor?: string };
      entries.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(auditorCalls.length).toBeGreaterThan(20);
    expect(
      entries.map((e) => ({ keyId: e.keyId, method: e.method, path: e.path, status: e.status })),
    ).toEqual(auditorCalls);
    for (const e of entries) {
      expect(e.decision).toBe(e.status === 403 || e.status === 401 ? 'denied' : 'allowed');
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    expect(entries.some((e) => e.decision === 'denied')).toBe(true);
  });
});
