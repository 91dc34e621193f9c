import express, { type ErrorRequestHandler, type Express } from 'express';
import { createIntegrityRouter } from '../integrity/integrity-router.js';
import { createAuditReportService } from '../report/audit-report-service.js';
import { DEFAULT_API_LIMITS, type ServiceDeps } from './app-deps.js';
import { authenticate } from './authenticate.js';
import { httpMetricsMiddleware, registerHttpMetrics } from './http-metrics.js';
import { methodNotAllowed, mountLineageRoutes } from './lineage-routes.js';
import { createLineageService } from './lineage-service.js';
import { ProblemError } from './problem.js';
import { createResponder, type RequestState } from './respond.js';

/** What `createApp` needs (every member of ServiceDeps; `limits` optional). */
export type AppDeps = Pick<
  ServiceDeps,
  | 'store'
  | 'archive'
  | 'prov'
  | 'keys'
  | 'accessLog'
  | 'clock'
  | 'metrics'
  | 'readiness'
  | 'integrityStatus'
  | 'limits'
  | 'integrity'
  | 'revealContent'
>;

/**
 * Builds the Lineage API as an Express 5 app without listening, so the caller (the CLI,
 * or a test on port 0) owns the server. `/healthz` and `/readyz` need no token; every
 * other path needs a bearer token (default deny), then a role the route admits.
 */
export function createApp(deps: AppDeps): Express {
  const limits = { ...DEFAULT_API_LIMITS, ...deps.limits };
  const state: RequestState = { principals: new WeakMap() };
  const responder = createResponder(deps, state);
  const lineage = createLineageService(deps);
  const reports = createAuditReportService({ ...deps, lineage, limits });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(httpMetricsMiddleware(registerHttpMetrics(deps.metrics)));

  const GET = methodNotAllowed('GET', 'HEAD');
  app
    .route('/healthz')
    .get((req, res) =>
      responder.send(req, res, { status: 200, contentType: 'application/json', body: '{"status":"ok"}' }),
    )
    .all(GET);
  app
    .route('/readyz')
    .get(async (req, res) => {
      const r = await deps.readiness().catch((error: unknown) => ({
        ready: false,
        detail: error instanceof Error ? error.message : String(error),
      }));
      if (!r.ready) {
        throw new ProblemError(
          503,
          'not-ready',
          'Service Unavailable',
          r.detail ?? 'the service is not ready',
          {},
          {
            'Retry-After': '5',
          },
        );
      }
      return responder.send(req, res, {
        status: 200,
        contentType: 'application/json',
        body: '{"status":"ready"}',
      });
    })
    .all(GET);

  app.use(authenticate(deps.keys, state));
  const router = express.Router({ strict: false, caseSensitive: true });
  mountLineageRoutes(router, { lineage, reports, metrics: deps.metrics, limits, responder, state });
  app.use(router);
  if (deps.integrity) {
    app.use(
      createIntegrityRouter({ ...deps.integrity, store: deps.store, prov: deps.prov, responder, state }),
    );
  }

  app.use((req) => {
    throw new ProblemError(
      404,
      'not-found',
      'Not Found',
      `no route for ${req.method} ${req.path.slice(0, 256)}`,
    );
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => responder.sendError(req, res, error);
  app.use(onError);
  return app;
}
