import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { toBase64 } from '../../exporter/integrity/bytes.js';
import type { IntegrityLog } from '../../exporter/ledger/integrity-log.js';
import {
  AttestationUnavailableError,
  attestOutput,
} from '../../exporter/ledger/output-attestation-source.js';
import { PSEUDONYM_PATTERN } from '../../exporter/ledger/subject-registry.js';
import { type BundleMapper, verifyRun } from '../../exporter/ledger/verify-run.js';
import type { ArchiveStore } from '../../exporter/ports/archive-store.js';
import type { GraphStore } from '../../exporter/ports/graph-store.js';
import { allowRoles, principalOf } from '../api/authenticate.js';
import { forbidden, notFound, ProblemError } from '../api/problem.js';
import { outputParamsSchema, runParamsSchema } from '../api/request-schemas.js';
import type { RequestState, Responder } from '../api/respond.js';
import { runStartMs } from '../api/run-time.js';
import { runInScope } from '../auth/auditor-scope.js';

/** What the integrity routes need. `responder` and `state` are createApp's own (see README). */
export interface IntegrityRouterDeps {
  readonly log: IntegrityLog;
  readonly store: Pick<GraphStore, 'getRun' | 'backwardLineage'>;
  readonly archive: Pick<ArchiveStore, 'get'>;
  readonly prov: BundleMapper;
  /** Whether the finaliser archives captured content (serve's `captureContent`). */
  readonly includeContent: boolean;
  readonly responder: Responder;
  readonly state: RequestState;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
/** DSSE has no registered media type; in-toto tooling reads plain JSON. */
const DSSE_TYPE = 'application/vnd.dsse.envelope.v1+json; charset=utf-8';

const size = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const consistencyQuery = z.strictObject({ from: size.pipe(z.number().min(1)), to: size.optional() });
const inclusionQuery = z.strictObject({ sequence: size.optional() });
const attestationQuery = z.strictObject({
  runId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
});
const erasureParams = z.object({
  pseudonym: z.string().regex(PSEUDONYM_PATTERN, 'pseudonym must be hmac-sha256:<64 lowercase hex>'),
});
const noQuery = z.strictObject({});

function methodNotAllowed(...allow: string[]) {
  return (req: Request) => {
    throw new ProblemError(
      405,
      'method-not-allowed',
      'Method Not Allowed',
      `${req.method} is not supported here; use ${allow.join(' or ')}`,
      {},
      { Allow: allow.join(', ') },
    );
  };
}

/**
 * The integrity routes (issue 6) as an Express 5 Router: mount it in createApp after
 * `authenticate` and before the 404 handler. Reads admit every role (auditors only for
 * runs in their scope); erasure is compliance only. Handlers validate with zod and throw
 * ProblemErrors; responses go through the app's Responder, so auditor requests are
 * written to the access log before they are answered.
 */
export function createIntegrityRouter(deps: IntegrityRouterDeps): Router {
  const { log, store, responder, state } = deps;
  const router = express.Router({ strict: false, caseSensitive: true });
  const all = allowRoles(state, 'engineering', 'compliance', 'auditor');
  const compliance = allowRoles(state, 'compliance');
  const GET = methodNotAllowed('GET', 'HEAD');
  const json = (req: Request, res: Response, body: unknown, contentType = JSON_TYPE) =>
    responder.send(req, res, { status: 200, contentType, body: JSON.stringify(body) });

  /** 404 for unknown runs and 403 for runs outside an auditor's scope. */
  const assertRunVisible = async (req: Request, runId: string): Promise<void> => {
    const principal = principalOf(state, req);
    if (principal.role !== 'auditor') return;
    const graph = await store.getRun(runId);
    if (!runInScope(principal, runId, graph ? runStartMs(graph) : undefined)) {
      throw forbidden(`run ${runId} is outside this auditor's scope`);
    }
  };

  router
    .route('/lineage/log/checkpoint')
    .get(all, async (req, res) => {
      noQuery.parse(req.query);
      // Idempotent at a given size: covers leaves appended since the last batch (access entries).
      const note = log.issueCheckpoint();
      return responder.send(req, res, { status: 200, contentType: TEXT_TYPE, body: note });
    })
    .all(GET);

  router
    .route('/lineage/log/key')
    .get(all, async (req, res) => {
      noQuery.parse(req.query);
      return responder.send(req, res, {
        status: 200,
        contentType: TEXT_TYPE,
        body: `${log.verifierKey()}\n`,
      });
    })
    .all(GET);

  router
    .route('/lineage/log/consistency')
    .get(all, async (req, res) => {
      const q = consistencyQuery.parse(req.query);
      const to = q.to ?? log.size;
      if (q.from > to || to > log.size) {
        throw new ProblemError(
          400,
          'invalid-tree-size',
          'Bad Request',
          `need 1 ≤ from ≤ to ≤ ${log.size}, got from=${q.from} to=${to}`,
        );
      }
      return json(req, res, {
        from: q.from,
        to,
        proof: log.consistencyProof(q.from, to).map(toBase64),
        ...(log.checkpointAt(q.from) ? { fromCheckpoint: log.checkpointAt(q.from) } : {}),
        ...(log.checkpointAt(to) ? { toCheckpoint: log.checkpointAt(to) } : {}),
      });
    })
    .all(GET);

  router
    .route('/lineage/runs/:runId/inclusion-proof')
    .get(all, async (req, res) => {
      const { runId } = runParamsSchema.parse(req.params);
      const { sequence } = inclusionQuery.parse(req.query);
      await assertRunVisible(req, runId);
      const inc = log.inclusionProofForRun(runId, sequence);
      if (!inc)
        throw notFound(
          `run ${runId} has no bundle${sequence === undefined ? '' : ` ${sequence}`} in the log`,
        );
      return json(req, res, {
        runId,
        sequence: inc.leaf.sequence,
        leafIndex: inc.leafIndex,
        leaf: inc.leaf,
        leafHash: inc.leafHash,
        treeSize: inc.treeSize,
        rootHash: toBase64(inc.rootHash),
        proof: inc.proof.map(toBase64),
        checkpoint: inc.checkpoint,
      });
    })
    .all(GET);

  router
    .route('/lineage/runs/:runId/verify')
    .get(all, async (req, res) => {
      const { runId } = runParamsSchema.parse(req.params);
      noQuery.parse(req.query);
      await assertRunVisible(req, runId);
      const result = await verifyRun(deps, runId);
      if (!result) throw notFound(`no run ${runId}`);
      return json(req, res, result);
    })
    .all(GET);

  router
    .route('/lineage/outputs/:outputHash/attestation')
    .get(all, async (req, res) => {
      const { outputHash } = outputParamsSchema.parse(req.params);
      const { runId } = attestationQuery.parse(req.query);
      const principal = principalOf(state, req);
      try {
        const { envelope } = await attestOutput({ log, store }, outputHash, {
          ...(runId ? { runId } : {}),
          maySee: async (id) => {
            if (principal.role !== 'auditor') return true;
            const graph = await store.getRun(id);
            return runInScope(principal, id, graph ? runStartMs(graph) : undefined);
          },
        });
        return json(req, res, envelope, DSSE_TYPE);
      } catch (error) {
        if (!(error instanceof AttestationUnavailableError)) throw error;
        if (error.reason === 'ambiguous-output') {
          throw new ProblemError(409, 'ambiguous-output', 'Conflict', error.message, {
            runIds: error.runIds,
          });
        }
        throw notFound(error.message);
      }
    })
    .all(GET);

  router
    .route('/lineage/subjects/:pseudonym/erase')
    .post(compliance, async (req, res) => {
      const { pseudonym } = erasureParams.parse(req.params);
      noQuery.parse(req.query);
      const erased = log.eraseSubject(pseudonym);
      if (!erased) throw notFound('no such subject (never seen, or already erased)');
      // Neither the surrogate nor its hash is returned: the caller must not learn the link.
      return json(req, res, {
        erased: true,
        tombstoneLeafIndex: erased.position.leafIndex,
        checkpoint: erased.checkpoint,
      });
    })
    .all(methodNotAllowed('POST'));

  return router;
}
