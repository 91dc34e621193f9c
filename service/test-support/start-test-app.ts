import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { runGraphToProvBundle } from '../../exporter/prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../../exporter/prov/serialise-bundle.js';
import { FsArchiveStore } from '../../exporter/stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore } from '../../exporter/stores/sqlite/sqlite-graph-store.js';
import { notYetAnchored, type ProvMapper, type Readiness } from '../api/app-deps.js';
import { type AppDeps, createApp } from '../api/create-app.js';
import { FileAccessLog } from '../auth/file-access-log.js';
import { buildLineageWorld, type LineageWorld } from './lineage-world.js';
import { type TestKey, testKey } from './test-keys.js';

/** The real PROV-O mapper from exporter/prov. */
export const realProvMapper: ProvMapper = { runGraphToProvBundle, serialiseBundle };

/** The keys every API test uses. */
export interface TestKeys {
  readonly engineering: TestKey;
  readonly compliance: TestKey;
  /** Auditor scoped to run A only. */
  readonly auditorRuns: TestKey;
  /** Auditor scoped to March 2026 (runs A and B). */
  readonly auditorWindow: TestKey;
}

/** A running API over the real SQLite store, filesystem archive and PROV-O mapper, with a file access log. */
export interface TestApp {
  readonly baseUrl: string;
  readonly world: LineageWorld;
  readonly keys: TestKeys;
  readonly metrics: Registry;
  readonly dir: string;
  /** Switches the readiness probe's answer. */
  setReady(r: Readiness): void;
  /** fetch with the key's bearer token (or none). */
  request(path: string, init?: RequestInit & { key?: TestKey }): Promise<Response>;
  close(): Promise<void>;
}

/** The fixed clock of API tests. */
export const TEST_NOW = Date.parse('2026-06-01T12:00:00Z');

/** Starts the real app on 127.0.0.1, port 0. */
export async function startTestApp(overrides: Partial<AppDeps> = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'lineage-api-'));
  const store = await openSqliteGraphStore({ path: join(dir, 'lineage.db') });
  const archive = new FsArchiveStore({ root: join(dir, 'archive') });
  const world = await buildLineageWorld(store, archive, realProvMapper);
  const accessLog = await FileAccessLog.open(join(dir, 'access-log.jsonl'));
  const keys: TestKeys = {
    engineering: testKey('eng-1', 'engineering'),
    compliance: testKey('comp-1', 'compliance'),
    auditorRuns: testKey('aud-runs', 'auditor', { runs: [world.runA] }),
    auditorWindow: testKey('aud-march', 'auditor', {
      fromMs: Date.parse('2026-03-01T00:00:00Z'),
      toMs: Date.parse('2026-03-31T23:59:59Z'),
    }),
  };
  const metrics = new Registry();
  let ready: Readiness = { ready: true };
  const app = createApp({
    store,
    archive,
    prov: realProvMapper,
    keys: Object.values(keys).map((k) => k.key),
    accessLog,
    clock: () => TEST_NOW,
    metrics,
    readiness: async () => ready,
    integrityStatus: notYetAnchored,
    ...overrides,
  });
  const server = await new Promise<import('node:http').Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    world,
    keys,
    metrics,
    dir,
    setReady: (r) => {
      ready = r;
    },
    request: (path, init = {}) => {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set('authorization', `Bearer ${key.token}`);
      return fetch(`${baseUrl}${path}`, { ...rest, headers });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await accessLog.close();
      await store.close();
      await archive.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
