import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildIntegrityWorld,
  type IntegrityWorld,
} from '../../exporter/ledger/test-support/integrity-world.js';
import { runGraphToProvBundle } from '../../exporter/prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../../exporter/prov/serialise-bundle.js';
import { notYetAnchored } from '../api/app-deps.js';
import { createApp } from '../api/create-app.js';
import { FileAccessLog } from '../auth/file-access-log.js';
import { testKey } from '../test-support/test-keys.js';

/**
 * Erasure seen through the existing Lineage API (createApp as it is): every answer is
 * byte-identical before and after a subject is erased, and none of them, before or after,
 * contains the subject's pseudonym — only the random surrogate, which the erasure makes
 * unlinkable.
 */
let w: IntegrityWorld;
let server: Server;
let baseUrl: string;
let accessLog: FileAccessLog;
const eng = testKey('eng', 'engineering');

async function snapshot(): Promise<Map<string, string>> {
  const paths: string[] = [];
  for (const id of Object.values(w.runs))
    paths.push(`/lineage/runs/${id}`, `/lineage/runs/${id}?format=graph`);
  const out = (await w.store.getRun(w.runs.rag1))!.nodes.find((n) => n.kind === 'FinalOutput')!;
  paths.push(
    `/lineage/outputs/${out.sha256}/sources`,
    `/lineage/datasources/${encodeURIComponent('kb://loans/limits#1')}/outputs`,
    '/lineage/models/gpt-4o-2024-08-06/runs',
  );
  const answers = new Map<string, string>();
  for (const p of paths) {
    const res = await fetch(`${baseUrl}${p}`, { headers: { authorization: `Bearer ${eng.token}` } });
    expect(res.status, p).toBe(200);
    answers.set(p, await res.text());
  }
  return answers;
}

beforeAll(async () => {
  w = await buildIntegrityWorld();
  accessLog = await FileAccessLog.open(join(w.dir, 'access-log.jsonl'));
  const app = createApp({
    store: w.store,
    archive: w.archive,
    prov: { runGraphToProvBundle, serialiseBundle },
    keys: [eng.key],
    accessLog,
    clock: Date.now,
    metrics: new Registry(),
    readiness: async () => ({ ready: true }),
    integrityStatus: notYetAnchored,
  });
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await accessLog.close();
  await w.close();
  await rm(w.dir, { recursive: true, force: true });
});

describe('erasure through the Lineage API', () => {
  it('answers identically before and after erasure, and never with a pseudonym', async () => {
    const before = await snapshot();
    const surrogates = [w.alice, w.bob].map((p) => w.log.subjects.lookup(p)!.surrogate);
    const all = [...before.values()].join('\n');
    for (const p of [w.alice, w.bob]) expect(all).not.toContain(p.slice('hmac-sha256:'.length));
    // The surrogate is what the graph shows for the actor and the recipient.
    for (const s of surrogates) expect(all).toContain(s);
    expect(w.log.eraseSubject(w.alice)).toBeDefined();
    expect(w.log.eraseSubject(w.bob)).toBeDefined();
    const after = await snapshot();
    expect(after).toEqual(before);
    // Nothing maps the surrogates back any more.
    expect(w.log.subjects.count()).toBe(0);
  });
});
