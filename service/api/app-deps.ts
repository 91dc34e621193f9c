import type { Registry } from 'prom-client';
import type { IntegrityLog } from '../../exporter/ledger/integrity-log.js';
import type { LineageNode } from '../../exporter/model/lineage-record.js';
import type { ArchiveStore } from '../../exporter/ports/archive-store.js';
import type { GraphStore, RunGraph } from '../../exporter/ports/graph-store.js';
import type { AccessLog } from '../auth/access-log.js';
import type { AuthKey } from '../auth/auth-file.js';

/** Options of the PROV-O mapper (exporter/prov/run-graph-to-prov.ts). */
export interface ProvBundleOptions {
  readonly includeContent: boolean;
  readonly sequence: number;
  readonly generatedAtMs: number;
}

/**
 * The PROV-O mapper the API renders JSON-LD with: pass `{ runGraphToProvBundle,
 * serialiseBundle }` from exporter/prov. Declared with method syntax so the mapper's own
 * document type is accepted in place of `unknown`.
 */
export interface ProvMapper {
  runGraphToProvBundle(graph: RunGraph, options: ProvBundleOptions): unknown;
  serialiseBundle(doc: unknown): Uint8Array | string;
}

/** Integrity state of one run, shown in audit reports. */
export interface RunIntegrity {
  readonly runId: string;
  /** e.g. `anchored`, `not yet anchored`, `verification failed`. */
  readonly status: string;
  readonly detail?: string;
}

/**
 * Integrity hook for audit reports. Until the Merkle log lands this is
 * `notYetAnchored`; the integrity work replaces it with inclusion-proof verification.
 */
export type IntegrityStatusHook = (runIds: readonly string[]) => Promise<readonly RunIntegrity[]>;

/** Readiness result; `detail` explains a not-ready answer. */
export interface Readiness {
  readonly ready: boolean;
  readonly detail?: string;
}

/** Limits of the API, all with defaults (`DEFAULT_API_LIMITS`). */
export interface ApiLimits {
  /** Runs per audit report. */
  readonly maxReportRuns: number;
  /** Days a date-range report may span. */
  readonly maxReportRangeDays: number;
  /** JSON request body size in bytes. */
  readonly maxBodyBytes: number;
  readonly defaultPageLimit: number;
  readonly maxPageLimit: number;
}

/** Defaults: 500 runs per report, 366 days per range, 64 KiB bodies, pages of 100 (max 1000). */
export const DEFAULT_API_LIMITS: ApiLimits = {
  maxReportRuns: 500,
  maxReportRangeDays: 366,
  maxBodyBytes: 64 * 1024,
  defaultPageLimit: 100,
  maxPageLimit: 1000,
};

/** Every dependency the query service can take; each factory narrows it with Pick<>. */
export interface ServiceDeps {
  /** The hot tier, narrowed to the queries the API makes (read-only). */
  readonly store: Pick<
    GraphStore,
    'getRun' | 'backwardLineage' | 'forwardLineage' | 'runsByModel' | 'completeness'
  >;
  /** The cold tier, read side only: date-range reports enumerate archived runs by day. */
  readonly archive: Pick<ArchiveStore, 'list'>;
  readonly prov: ProvMapper;
  /** API keys, from `loadAuthFile`. */
  readonly keys: readonly AuthKey[];
  readonly accessLog: Pick<AccessLog, 'append' | 'read'>;
  /** Epoch ms; injected so tests control report and log times. */
  readonly clock: () => number;
  /**
   * Registry `/metrics` serves. The app registers its HTTP metrics on it; the composition
   * root registers ingest metrics (receiver, finaliser) on the same registry.
   */
  readonly metrics: Registry;
  /** Readiness probe behind `/readyz` (e.g. a trivial store query). */
  readonly readiness: () => Promise<Readiness>;
  readonly integrityStatus: IntegrityStatusHook;
  readonly limits?: Partial<ApiLimits>;
  /**
   * Decrypts captured content that is encrypted with a data subject's key, for readers who
   * may see content (engineering). Erased subjects' content stays unreadable. Absent: identity.
   */
  readonly revealContent?: (nodes: readonly LineageNode[]) => LineageNode[];
  /** The Merkle log: mounts checkpoint, proof, verify, attestation and erasure routes when present. */
  readonly integrity?: {
    readonly log: IntegrityLog;
    readonly archive: Pick<ArchiveStore, 'get'>;
    readonly includeContent: boolean;
  };
}

/** The default integrity hook: nothing is anchored until the Merkle log exists. */
export const notYetAnchored: IntegrityStatusHook = async (runIds) =>
  runIds.map((runId) => ({ runId, status: 'not yet anchored', detail: 'the integrity log is not enabled' }));
