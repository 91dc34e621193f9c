import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { configureLineage, pseudonymize, resetLineageConfig } from '../../../src/index.js';
import { RunFinaliser } from '../../finalise/run-finaliser.js';
import { LineageSpanExporter } from '../../lineage-span-exporter.js';
import { IngestPipeline } from '../../pipeline/ingest-pipeline.js';
import { FsArchiveStore } from '../../stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore, type SqliteGraphStore } from '../../stores/sqlite/sqlite-graph-store.js';
import { ragScenario, subAgentScenario, toolLoopScenario } from '../../test-support/scenario-agents.js';
import { type IntegrityLog, openIntegrityLog } from '../integrity-log.js';
import { surrogatingWriter } from '../surrogate-subjects.js';
import { TEST_ORIGIN } from './ledger-fixtures.js';

const PSEUDONYM_KEY = 'integrity-test-pseudonym-key-0123456789';

/** A data dir produced by the real SDK → pipeline (with surrogates) → finaliser → log path. */
export interface IntegrityWorld {
  readonly dir: string;
  readonly store: SqliteGraphStore;
  readonly archive: FsArchiveStore;
  readonly log: IntegrityLog;
  /** Two RAG runs (actor alice, recipient bob), a tool loop, and a parent/child sub-agent pair. */
  readonly runs: {
    readonly rag1: string;
    readonly rag2: string;
    readonly tools: string;
    readonly parent: string;
    readonly child: string;
  };
  /** The pseudonyms the SDK emitted for alice (actor) and bob (recipient). */
  readonly alice: string;
  readonly bob: string;
  /** Closes the SDK, stores and log (the files stay for offline checks). */
  close(): Promise<void>;
}

/**
 * Records five runs with the SDK and lets them finalise, with the integrity log as the
 * finaliser's onFinalised hook and the subject transform in front of the store, exactly
 * as the composition root wires them.
 */
export async function buildIntegrityWorld(
  options: { captureContent?: boolean } = {},
): Promise<IntegrityWorld> {
  const captureContent = options.captureContent ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'integrity-world-'));
  let now = Date.now();
  const store = await openSqliteGraphStore({ path: join(dir, 'lineage.db') });
  const archive = new FsArchiveStore({ root: join(dir, 'archive') });
  const log = await openIntegrityLog({ dataDir: dir, origin: TEST_ORIGIN });
  const finaliser = new RunFinaliser({
    store,
    archive,
    settleMs: 1_000,
    includeContent: captureContent,
    now: () => now,
    onFinalised: log.onFinalised,
  });
  const exporter = new LineageSpanExporter({
    pipeline: new IngestPipeline({
      store: surrogatingWriter(store, log.subjects),
      captureContent,
      now: () => now,
    }),
    finaliser,
  });
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 20 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  configureLineage({ tracerProvider: provider, pseudonymKey: PSEUDONYM_KEY, captureContent });
  const rag1 = await ragScenario();
  const tools = await toolLoopScenario();
  const sub = await subAgentScenario();
  const rag2 = await ragScenario();
  await provider.forceFlush();
  now += 5_000;
  await finaliser.tick();
  const alice = pseudonymize('alice', PSEUDONYM_KEY) as string;
  const bob = pseudonymize('bob', PSEUDONYM_KEY) as string;
  return {
    dir,
    store,
    archive,
    log,
    runs: { rag1, rag2, tools, parent: sub.parent, child: sub.child },
    alice,
    bob,
    close: async () => {
      await provider.shutdown();
      context.disable();
      propagation.disable();
      trace.disable();
      resetLineageConfig();
      await store.close();
      await archive.close();
      log.close();
    },
  };
}
