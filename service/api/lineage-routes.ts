import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import type { AuditReportService } from '../report/audit-report-service.js';
import type { ApiLimits } from './app-deps.js';
import { allowRoles, principalOf } from './authenticate.js';
import type { LineageService } from './lineage-service.js';
import { ProblemError } from './problem.js';
import {
  modelParamsSchema,
  modelRunsQuerySchema,
  outputParamsSchema,
  outputQuerySchema,
  pageQuerySchema,
  parseAuditReportBody,
  runParamsSchema,
  runQuerySchema,
  sourceParamsSchema,
} from './request-schemas.js';
import type { RequestState, Responder } from './respond.js';

/** What the lineage routes call. */
export interface LineageRouteDeps {
  readonly lineage: LineageService;
  readonly reports: AuditReportService;
  readonly metrics: Registry;
  readonly limits: ApiLimits;
  readonly responder: Responder;
  readonly state: RequestState;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const JSONLD_TYPE = 'application/ld+json; charset=utf-8';

/** 405 with an Allow header for a known path used with another method. */
export function methodNotAllowed(...allow: string[]): RequestHandler {
  return (req) => {
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
 * Mounts the authenticated routes. Handlers only validate (zod) and call the services;
 * errors propagate to the app's single error mapping (Express 5 forwards rejections).
 */
export function mountLineageRoutes(router: Router, deps: LineageRouteDeps): void {
  const { lineage, reports, limits, responder, state } = deps;
  const all = allowRoles(state, 'engineering', 'compliance', 'auditor');
  const engineering = allowRoles(state, 'engineering');
  const json = (req: Request, res: express.Response, body: unknown) =>
    responder.send(req, res, { status: 200, contentType: JSON_TYPE, body: JSON.stringify(body) });
  const pageQuery = pageQuerySchema(limits.defaultPageLimit, limits.maxPageLimit);
  const modelQuery = modelRunsQuerySchema(limits.defaultPageLimit, limits.maxPageLimit);
  const GET = methodNotAllowed('GET', 'HEAD');

  router
    .route('/lineage/runs/:runId')
    .get(all, async (req, res) => {
      const { runId } = runParamsSchema.parse(req.params);
      const { format } = runQuerySchema.parse(req.query);
      const p = principalOf(state, req);
      if (format === 'graph') return json(req, res, await lineage.runGraph(p, runId));
      const body = await lineage.runJsonLd(p, runId);
      return responder.send(req, res, { status: 200, contentType: JSONLD_TYPE, body });
    })
    .all(GET);

  router
    .route('/lineage/outputs/:outputHash/sources')
    .get(all, async (req, res) => {
      const { outputHash } = outputParamsSchema.parse(req.params);
      const { maxDepth } = outputQuerySchema.parse(req.query);
      return json(req, res, await lineage.outputSources(principalOf(state, req), outputHash, maxDepth));
    })
    .all(GET);

  router
    .route('/lineage/models/:modelId/runs')
    .get(all, async (req, res) => {
      const { modelId } = modelParamsSchema.parse(req.params);
      const q = modelQuery.parse(req.query);
      return json(req, res, { modelId, ...(await lineage.modelRuns(principalOf(state, req), modelId, q)) });
    })
    .all(GET);

  router
    .route('/lineage/datasources/:sourceId/outputs')
    .get(all, async (req, res) => {
      const { sourceId } = sourceParamsSchema.parse(req.params);
      const q = pageQuery.parse(req.query);
      return json(req, res, {
        sourceId,
        ...(await lineage.datasourceOutputs(principalOf(state, req), sourceId, q)),
      });
    })
    .all(GET);

  // Body parsing happens only here, after authentication and the role check.
  const jsonBody = express.json({ limit: limits.maxBodyBytes, strict: true, type: 'application/json' });
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      throw new ProblemError(
        415,
        'unsupported-media-type',
        'Unsupported Media Type',
        'the request body must be application/json',
      );
    }
    next();
  };
  router
    .route('/lineage/audit-report')
    .post(all, requireJson, jsonBody, async (req, res) => {
      const selection = parseAuditReportBody(req.body, limits.maxReportRuns, limits.maxReportRangeDays);
      const pdf = await reports.generate(principalOf(state, req), selection);
      return responder.send(req, res, {
        status: 200,
        contentType: 'application/pdf',
        body: pdf,
        headers: { 'Content-Disposition': 'attachment; filename="audit-report.pdf"' },
      });
    })
    .all(methodNotAllowed('POST'));

  router
    .route('/lineage/access-log')
    .get(engineering, async (req, res) => json(req, res, await lineage.accessLog(pageQuery.parse(req.query))))
    .all(GET);

  // Prometheus scrapes with a bearer token too (scrape_config `authorization`); the
  // metrics reveal traffic shape, so only engineering keys may read them.
  router
    .route('/metrics')
    .get(engineering, async (req, res) =>
      responder.send(req, res, {
        status: 200,
        contentType: deps.metrics.contentType,
        body: await deps.metrics.metrics(),
      }),
    )
    .all(GET);
}
