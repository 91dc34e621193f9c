import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RunFinaliser } from './finalise/run-finaliser.js';
import { LineageLogRecordExporter } from './lineage-log-record-exporter.js';
import { LineageSpanExporter } from './lineage-span-exporter.js';
import { IngestPipeline } from './pipeline/ingest-pipeline.js';
import { FsArchiveStore } from './stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore, type SqliteGraphStore } from './stores/sqlite/sqlite-graph-store.js';

/** Options of {@link createLineageExporter}. */
export interface CreateLineageExporterOptions {
  /** Directory holding `lineage.db` (SQLite) and `archive/` (PROV-O bundles). */
  readonly dataDir: string;
  /** Quiet time after a run's root span ended before it is archived. Default 30 s. */
  readonly settleMs?: number;
  /** Keep captured content in the graph and archive. Default false (hashes only). */
  readonly captureContent?: boolean;
}

/** Where the embedded stores live inside a data dir. */
export function embeddedStorePaths(dataDir: string): { root: string; database: string; archive: string } {
  const root = resolve(dataDir);
  return { root, database: join(root, 'lineage.db'), archive: join(root, 'archive') };
}

/**
 * The in-process path in one call: a `LineageSpanExporter` on the embedded defaults
 * (SQLite hot tier + filesystem PROV-O archive) with run finalisation running. Put it
 * under a `BatchSpanProcessor`; `shutdown()` closes the stores. `logExporter` goes under a
 * `BatchLogRecordProcessor` when an instrumentation puts message content in log records
 * (the official `@opentelemetry/instrumentation-openai`); shut the logger provider down
 * first. `store` is returned for queries in the same process.
 */
export async function createLineageExporter(options: CreateLineageExporterOptions): Promise<{
  exporter: LineageSpanExporter;
  logExporter: LineageLogRecordExporter;
  store: SqliteGraphStore;
}> {
  const paths = embeddedStorePaths(options.dataDir);
  await mkdir(paths.root, { recursive: true });
  const store = await openSqliteGraphStore({ path: paths.database });
  const archive = new FsArchiveStore({ root: paths.archive });
  const captureContent = options.captureContent ?? false;
  const finaliser = new RunFinaliser({
    store,
    archive,
    includeContent: captureContent,
    ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
  });
  finaliser.start();
  const pipeline = new IngestPipeline({ store, captureContent });
  const exporter = new LineageSpanExporter({
    pipeline,
    finaliser,
    onShutdown: async () => {
      try {
        await store.close();
      } finally {
        await archive.close();
      }
    },
  });
  return { exporter, logExporter: new LineageLogRecordExporter({ pipeline }), store };
}
