/** Route templates of the API, as metric labels (never raw paths: ids would explode cardinality). */
const ROUTES: readonly [RegExp, string][] = [
  [/^\/healthz\/?$/, '/healthz'],
  [/^\/readyz\/?$/, '/readyz'],
  [/^\/metrics\/?$/, '/metrics'],
  [/^\/lineage\/runs\/[^/]+\/?$/, '/lineage/runs/:runId'],
  [/^\/lineage\/outputs\/[^/]+\/sources\/?$/, '/lineage/outputs/:outputHash/sources'],
  [/^\/lineage\/models\/[^/]+\/runs\/?$/, '/lineage/models/:modelId/runs'],
  [/^\/lineage\/datasources\/[^/]+\/outputs\/?$/, '/lineage/datasources/:sourceId/outputs'],
  [/^\/lineage\/audit-report\/?$/, '/lineage/audit-report'],
  [/^\/lineage\/access-log\/?$/, '/lineage/access-log'],
];

/** The route template a request path belongs to, or `unmatched`. */
export function routeLabel(path: string): string {
  for (const [re, label] of ROUTES) if (re.test(path)) return label;
  return 'unmatched';
}
