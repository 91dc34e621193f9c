import type { RequestHandler } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { routeLabel } from './route-label.js';

/** The API's own request metrics. */
export interface HttpMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route' | 'status'>;
}

const REQUESTS = 'lineage_api_requests_total';
const DURATION = 'lineage_api_request_duration_seconds';

/**
 * Registers (or, when an app was already created on this registry, reuses) the request
 * counter and latency histogram. Other components register their own metrics on the same
 * registry; `/metrics` serves all of them.
 */
export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const requests =
    (registry.getSingleMetric(REQUESTS) as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: REQUESTS,
      help: 'Lineage API requests by method, route template and status code',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric(DURATION) as Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: DURATION,
      help: 'Lineage API request latency in seconds by method, route template and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return { requests, duration };
}

/** Counts and times every request when its response finishes (or the client goes away). */
export function httpMetricsMiddleware(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    let done = false;
    const record = () => {
      if (done) return;
      done = true;
      const labels = {
        // Unknown methods would be another cardinality leak.
        method: /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(req.method) ? req.method : 'OTHER',
        route: routeLabel(req.path),
        status: String(res.statusCode),
      };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    };
    res.on('finish', record);
    res.on('close', record);
    next();
  };
}
