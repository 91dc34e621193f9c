import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Registry } from 'prom-client';
import { embeddedStorePaths } from '../../exporter/create-lineage-exporter.js';
import { RunFinaliser } from '../../exporter/finalise/run-finaliser.js';
import { openIntegrityLog } from '../../exporter/ledger/integrity-log.js';
import { revealSubjectContent } from '../../exporter/ledger/reveal-subject-content.js';
import { surrogatingWriter } from '../../exporter/ledger/surrogate-subjects.js';
import { startOtlpGrpcServer } from '../../exporter/otlp/grpc-server.js';
import { startOtlpHttpServer } from '../../exporter/otlp/http-server.js';
import { createOtlpReceiver } from '../../exporter/otlp/otlp-receiver.js';
import { UnavailableError } from '../../exporter/otlp/receiver-errors.js';
import { IngestPipeline } from '../../exporter/pipeline/ingest-pipeline.js';
import { summariseRejections } from '../../exporter/pipeline/rejection-counter.js';
import { runGraphToProvBundle } from '../../exporter/prov/run-graph-to-prov-bundle.js';
import { serialiseBundle } from '../../exporter/prov/serialise-bundle.js';
import { FsArchiveStore } from '../../exporter/stores/fs-archive/fs-archive-store.js';
import { openSqliteGraphStore } from '../../exporter/stores/sqlite/sqlite-graph-store.js';
import { createApp } from '../api/create-app.js';
import { loadAuthFile } from '../auth/auth-file.js';
import { FileAccessLog } from '../auth/file-access-log.js';
import type { ServeConfig } from '../cli/serve-config.js';
import { anchorAccessLog } from '../integrity/anchored-access-log.js';
import { integrityStatusFromLog } from '../integrity/integrity-status.js';
import { registerIngestMetrics } from './ingest-metrics.js';

/** A running `agent-lineage serve`. */
export interface RunningServer {
  readonly apiUrl: string;
  readonly otlpHttpUrl: string;
  readonly otlpGrpcAddress: string;
  /** Public key that verifies the log's signed checkpoints (C2SP note verifier key). */
  readonly logVerifierKey: string;
  /** Finalises every settled run now (tests and the demo use it instead of waiting for the timer). */
  finaliseNow(settleMs?: number): Promise<number>;
  /** Graceful shutdown: stop accepting, finish in-flight batches, stop finalising, close stores. */
  close(): Promise<void>;
}

/** Where serve keeps its files inside the data dir: the embedded stores plus the access log. */
export function dataPaths(dataDir: string) {
  const stores = embeddedStorePaths(dataDir);
  return { ...stores, accessLog: join(stores.root, 'access-log.jsonl') };
}

/**
 * Starts receiver + API + SQLite + filesystem archive in one process (the embedded
 * default). Fails fast with a clear message when a file or port cannot be used.
 */
export async function startServer(
  config: ServeConfig,
  options: { log?: (line: string) => void } = {},
): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const paths = dataPaths(config.dataDir);
  await mkdir(paths.root, { recursive: true }).catch((error: unknown) => {
    throw new Error(
      `cannot use ${paths.root} as the data dir (--data-dir / LINEAGE_DATA_DIR): ${reason(error)}`,
    );
  });
  const keys = await loadAuthFile(config.authFile).catch((error: unknown) => {
    throw new Error(`the auth key file is unusable (--auth / LINEAGE_AUTH_FILE): ${reason(error)}`);
  });
  // A 16 MiB private page cache (the store's default is 64 MiB): the OS page cache still
  // holds the database file, and it keeps the server within its 300 MB memory budget.
  const store = await openSqliteGraphStore({ path: paths.database, cacheBytes: 16 * 1024 * 1024 });
  const archive = new FsArchiveStore({ root: paths.archive });
  const closers: (() => Promise<void>)[] = [() => store.close(), () => archive.close()];
  let closing: Promise<void> | undefined;
  // Closers run newest first, once: a second signal or close() joins the shutdown in progress.
  const closeAll = () => {
    closing ??= (async () => {
      for (const close of [...closers].reverse()) {
        await close().catch((error: unknown) => log(`shutdown: ${reason(error)}`));
      }
    })();
    return closing;
  };
  let ledger: Awaited<ReturnType<typeof openIntegrityLog>>;
  try {
    ledger = await openIntegrityLog({
      dataDir: paths.root,
      origin: config.logOrigin,
      ...(config.logKey ? { keyPath: config.logKey } : {}),
    });
  } catch (error) {
    await closeAll();
    throw new Error(
      `cannot open the integrity log in ${paths.root} (--data-dir, --log-key): ${reason(error)}`,
    );
  }
  closers.push(async () => ledger.close());
  try {
    return await startServing();
  } catch (error) {
    await closeAll();
    throw error;
  }

  async function startServing(): Promise<RunningServer> {
    // Bundles archived just before a crash, but not yet logged, are appended now.
    await ledger.appendMissingFromArchive(archive);
    const accessLog = anchorAccessLog(await FileAccessLog.open(paths.accessLog), ledger);
    closers.push(() => accessLog.close());
    const metrics = new Registry();
    // Only surrogates of subject pseudonyms reach the graph, the archive and the log (GDPR erasure).
    const pipeline = new IngestPipeline({
      store: surrogatingWriter(store, ledger.subjects),
      captureContent: config.captureContent,
    });
    const finaliser = new RunFinaliser({
      store,
      archive,
      settleMs: config.settleSeconds * 1000,
      includeContent: config.captureContent,
      log,
      onFinalised: async (runs) => {
        // Leaves for the batch plus one signed checkpoint, in one transaction.
        await ledger.onFinalised(runs);
        ingestMetrics.runsFinalised.inc(runs.length);
      },
    });
    const ingestMetrics = registerIngestMetrics(metrics, pipeline.rejections, () => finaliser.failures);
    let storeHealthy = true;
    const receiver = createOtlpReceiver({
      ingest: async (request) => {
        let result: Awaited<ReturnType<IngestPipeline['ingestOtlp']>>;
        try {
          result = await pipeline.ingestOtlp(request);
          storeHealthy = true;
        } catch (error) {
          // The store could not commit (disk full, locked, closed): ask the client to retry later.
          storeHealthy = false;
          throw new UnavailableError(`lineage store unavailable: ${reason(error)}`);
        }
        ingestMetrics.spansAccepted.inc(result.accepted);
        const errorMessage = summariseRejections(result.rejected);
        return { rejectedSpans: result.rejected.length, ...(errorMessage ? { errorMessage } : {}) };
      },
      ingestLogs: async (request) => {
        let result: Awaited<ReturnType<IngestPipeline['ingestOtlpLogs']>>;
        try {
          result = await pipeline.ingestOtlpLogs(request);
          storeHealthy = true;
        } catch (error) {
          storeHealthy = false;
          throw new UnavailableError(`lineage store unavailable: ${reason(error)}`);
        }
        const errorMessage = summariseRejections(result.rejected, 'log record');
        return { rejectedLogRecords: result.rejected.length, ...(errorMessage ? { errorMessage } : {}) };
      },
      logger: {
        warn: (message, fields) =>
          log(`warn: ${message}${fields ? ` ${inspect(fields, { depth: 3, breakLength: Infinity })}` : ''}`),
        error: (message, fields) =>
          log(`error: ${message}${fields ? ` ${inspect(fields, { depth: 3, breakLength: Infinity })}` : ''}`),
      },
    });

    const app = createApp({
      store,
      archive,
      prov: { runGraphToProvBundle, serialiseBundle },
      keys,
      accessLog,
      clock: Date.now,
      metrics,
      readiness: async () =>
        storeHealthy && finaliser.failures === 0
          ? { ready: true }
          : {
              ready: false,
              detail: storeHealthy
                ? 'runs are failing to finalise'
                : 'the lineage store rejected the last write',
            },
      integrityStatus: integrityStatusFromLog({
        log: ledger,
        store,
        archive,
        prov: { runGraphToProvBundle, serialiseBundle },
        includeContent: config.captureContent,
      }),
      integrity: { log: ledger, archive, includeContent: config.captureContent },
      // Engineering reads subject-encrypted content in clear until the subject is erased.
      revealContent: (nodes) => revealSubjectContent(nodes, ledger.subjects),
    });

    // Closes after both transports stopped accepting: waits for the work they already admitted.
    closers.push(() => receiver.close());
    const http = await bind(
      'OTLP HTTP',
      '--otlp-http-port / LINEAGE_OTLP_HTTP_PORT',
      config.otlpHttpPort,
      () => startOtlpHttpServer(receiver, { host: config.host, port: config.otlpHttpPort }),
    );
    closers.push(() => http.close());
    const grpc = await bind(
      'OTLP gRPC',
      '--otlp-grpc-port / LINEAGE_OTLP_GRPC_PORT',
      config.otlpGrpcPort,
      () => startOtlpGrpcServer(receiver, { host: config.host, port: config.otlpGrpcPort }),
    );
    closers.push(() => grpc.close());
    const api = await bind(
      'API',
      '--api-port / LINEAGE_API_PORT',
      config.apiPort,
      () =>
        new Promise<Server>((resolveListen, reject) => {
          // Express 5 calls the listen callback on 'error' too, with the error as argument.
          const server = app.listen(config.apiPort, config.host, (error?: Error) =>
            error ? reject(error) : resolveListen(server),
          );
        }),
    );
    closers.push(
      () =>
        new Promise<void>((done) => {
          api.closeIdleConnections();
          api.close(() => done());
        }),
    );
    // The finaliser stops before the receivers close, so the last batches are acknowledged first.
    closers.push(() => finaliser.stop());
    finaliser.start();
    const { port: apiPort } = api.address() as AddressInfo;
    const apiUrl = `http://${config.host}:${apiPort}`;
    log(`agent-lineage serving (data dir ${paths.root})`);
    log(`  OTLP/gRPC   ${grpc.address}`);
    log(`  OTLP/HTTP   ${http.url}/v1/traces`);
    log(`              ${http.url}/v1/logs`);
    log(`  Lineage API ${apiUrl}`);
    log(`  Log key     ${ledger.verifierKey()}`);
    return {
      apiUrl,
      otlpHttpUrl: http.url,
      otlpGrpcAddress: grpc.address,
      logVerifierKey: ledger.verifierKey(),
      finaliseNow: (settleMs) => finaliser.tick(settleMs),
      close: closeAll,
    };
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Binds one listener; a failure names the setting to change (grpc-js errors carry no code, hence the text match). */
async function bind<T>(what: string, setting: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const text = reason(error);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test(text)) {
      throw new Error(`the ${what} port ${port} is already in use; choose another with ${setting}`);
    }
    throw new Error(`cannot listen for ${what} on port ${port} (${setting}): ${text}`);
  }
}
