import type { OutputAttestationPredicate } from '../integrity/attestation-predicate.js';
import { toBase64 } from '../integrity/bytes.js';
import type { DsseEnvelope } from '../integrity/dsse.js';
import { buildOutputAttestation } from '../integrity/output-attestation.js';
import type { LineageNode } from '../model/lineage-record.js';
import type { GraphStore } from '../ports/graph-store.js';
import type { IntegrityLog } from './integrity-log.js';

const SOURCE_KINDS = ['rag_chunk', 'db_result', 'api_response', 'tool_output', 'document'] as const;
type SourceKind = (typeof SOURCE_KINDS)[number];
const MAX_TEXT = 1024;

/** Why no attestation can be built (the API maps these to 404 / 409). */
export class AttestationUnavailableError extends Error {
  constructor(
    readonly reason: 'unknown-output' | 'ambiguous-output' | 'not-logged',
    message: string,
    readonly runIds: readonly string[] = [],
  ) {
    super(message);
    this.name = 'AttestationUnavailableError';
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v.length <= MAX_TEXT ? v : undefined;
}

function exactVersion(n: LineageNode): string | undefined {
  return str(n.props.modelVersion) ?? str(n.props.responseModel) ?? str(n.props.requestModel);
}

/**
 * Builds and signs the per-output attestation (in-toto Statement v1 in a DSSE envelope,
 * signed with the log key): run id, agent, every model version the run invoked, every data
 * source in the output's backward lineage closure (by content hash), the run's main bundle
 * leaf and its inclusion evidence against the latest checkpoint, so it verifies offline.
 *
 * `candidateRuns` is the set of runs the caller may see (auditor scope); when several runs
 * produced the same bytes the caller must name one (`runId`).
 */
export async function attestOutput(
  deps: { readonly log: IntegrityLog; readonly store: Pick<GraphStore, 'getRun' | 'backwardLineage'> },
  outputSha256: string,
  options: { runId?: string; maySee?: (runId: string) => Promise<boolean> } = {},
): Promise<{ envelope: DsseEnvelope; predicate: OutputAttestationPredicate }> {
  const backward = await deps.store.backwardLineage(outputSha256);
  const visible: string[] = [];
  for (const runId of new Set(backward.outputs.map((o) => o.runId))) {
    if (!options.maySee || (await options.maySee(runId))) visible.push(runId);
  }
  const runId = options.runId ?? (visible.length === 1 ? visible[0] : undefined);
  if (runId === undefined) {
    if (visible.length === 0)
      throw new AttestationUnavailableError('unknown-output', `no output ${outputSha256}`);
    throw new AttestationUnavailableError(
      'ambiguous-output',
      `${visible.length} runs produced output ${outputSha256}; name one with ?runId=`,
      visible.sort(),
    );
  }
  if (!visible.includes(runId)) {
    throw new AttestationUnavailableError('unknown-output', `run ${runId} has no output ${outputSha256}`);
  }
  const inclusion = deps.log.inclusionProofForRun(runId, 0);
  if (!inclusion) {
    throw new AttestationUnavailableError(
      'not-logged',
      `run ${runId} is not finalised in the integrity log yet`,
    );
  }
  const graph = await deps.store.getRun(runId);
  const runNode = graph?.nodes.find((n) => n.kind === 'ExecutionRun');
  const models = new Map<string, OutputAttestationPredicate['models'][number]>();
  for (const n of graph?.nodes ?? []) {
    if (n.kind !== 'ModelInvocation') continue;
    const version = exactVersion(n);
    if (!version) continue;
    const provider = str(n.props.provider);
    const pinned = typeof n.props.pinned === 'boolean' ? n.props.pinned : undefined;
    models.set(`${provider ?? ''}\n${version}`, {
      version,
      ...(provider ? { provider } : {}),
      ...(pinned !== undefined ? { pinned } : {}),
    });
  }
  const sources = new Map<string, OutputAttestationPredicate['dataSources'][number]>();
  for (const hit of backward.sources) {
    if (hit.viaRunId !== runId || !hit.node.sha256) continue;
    const p = hit.node.props;
    const kind = SOURCE_KINDS.includes(p.sourceKind as SourceKind) ? (p.sourceKind as SourceKind) : undefined;
    const id = str(p.sourceId);
    const uri = str(p.uri);
    const indexVersion = str(p.indexVersion);
    sources.set(`${hit.node.sha256}\n${id ?? ''}`, {
      sha256: hit.node.sha256,
      ...(kind ? { kind } : {}),
      ...(id ? { id } : {}),
      ...(uri ? { uri } : {}),
      ...(indexVersion ? { indexVersion } : {}),
    });
  }
  const agentName = str(runNode?.props.agentName);
  const agentVersion = str(runNode?.props.agentVersion);
  const { leaf } = inclusion;
  const predicate: OutputAttestationPredicate = {
    runId,
    ...(agentName ? { agent: { name: agentName, ...(agentVersion ? { version: agentVersion } : {}) } } : {}),
    models: [...models.values()].sort((a, b) => a.version.localeCompare(b.version)),
    dataSources: [...sources.values()].sort((a, b) => a.sha256.localeCompare(b.sha256)),
    bundle: {
      sha256: leaf.bundleSha256,
      archiveKey: leaf.archiveKey,
      ...(leaf.archiveVersion !== undefined ? { archiveVersion: leaf.archiveVersion } : {}),
      sequence: leaf.sequence,
    },
    log: {
      origin: deps.log.origin,
      leafIndex: inclusion.leafIndex,
      inclusion: {
        treeSize: inclusion.treeSize,
        rootHash: toBase64(inclusion.rootHash),
        proof: inclusion.proof.map(toBase64),
        checkpoint: inclusion.checkpoint,
      },
    },
  };
  const statement = buildOutputAttestation(outputSha256, predicate);
  return { envelope: deps.log.signAttestation(statement), predicate };
}
