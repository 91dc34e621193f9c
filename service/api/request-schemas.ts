import { z } from 'zod';

// Ids are untrusted: bounded length and no control characters (Cc = C0, DEL, C1, the line
// separators U+2028/2029 and the bidi overrides/isolates that can disguise text), so they
// are safe to echo in problem details, logs and PDFs.
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** An untrusted identifier of at most `max` characters without control characters. */
export function idSchema(name: string, max: number) {
  return z
    .string()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), `${name} must not contain control characters`);
}

/** Run id (= trace id in our exporter; foreign ids are tolerated within the cap). */
export const runIdSchema = idSchema('runId', 128);

/** Route params of `GET /lineage/runs/:runId`. */
export const runParamsSchema = z.object({ runId: runIdSchema });

/** Query of `GET /lineage/runs/:runId`. */
export const runQuerySchema = z.strictObject({ format: z.enum(['jsonld', 'graph']).default('jsonld') });

/** Route params of `GET /lineage/outputs/:outputHash/sources`: lowercase 64-hex SHA-256. */
export const outputParamsSchema = z.object({
  outputHash: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'outputHash must be a SHA-256 as 64 hex digits')
    .transform((h) => h.toLowerCase()),
});

/** Query of `GET /lineage/outputs/:outputHash/sources`. */
export const outputQuerySchema = z.strictObject({
  maxDepth: z.coerce.number().int().min(1).max(64).optional(),
});

/** Route params of `GET /lineage/models/:modelId/runs`. */
export const modelParamsSchema = z.object({ modelId: idSchema('modelId', 256) });

/** Route params of `GET /lineage/datasources/:sourceId/outputs`. */
export const sourceParamsSchema = z.object({ sourceId: idSchema('sourceId', 1024) });

const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with Z or an offset',
});
const cursor = idSchema('cursor', 512);

/** Paging query parts, given the limits in force. */
export function pageQueryShape(defaultLimit: number, maxLimit: number) {
  return {
    cursor: cursor.optional(),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  };
}

/** Query of `GET /lineage/models/:modelId/runs`. */
export function modelRunsQuerySchema(defaultLimit: number, maxLimit: number) {
  return z
    .strictObject({
      from: isoTime.optional(),
      to: isoTime.optional(),
      ...pageQueryShape(defaultLimit, maxLimit),
    })
    .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
      message: 'from must not be after to',
      path: ['from'],
    });
}

/** Query of paged endpoints without other parameters. */
export function pageQuerySchema(defaultLimit: number, maxLimit: number) {
  return z.strictObject(pageQueryShape(defaultLimit, maxLimit));
}

/** Which runs an audit report covers. */
export type ReportSelection =
  | { readonly runIds: readonly string[] }
  | { readonly from: string; readonly to: string };

/**
 * Parses the body of `POST /lineage/audit-report`: `{"runIds":[…]}` or `{"from":ISO,"to":ISO}`.
 * The shape is chosen by the presence of `runIds`, so errors name the real problem
 * (e.g. too many runs) instead of a generic union mismatch.
 */
export function parseAuditReportBody(body: unknown, maxRuns: number, maxRangeDays: number): ReportSelection {
  const byIds = z.strictObject({
    runIds: z
      .array(runIdSchema)
      .min(1, 'runIds must name at least one run')
      .max(maxRuns, `at most ${maxRuns} runs per report`)
      .refine((ids) => new Set(ids).size === ids.length, 'runIds must not repeat'),
  });
  const byRange = z
    .strictObject({ from: isoTime, to: isoTime })
    .refine((b) => Date.parse(b.from) <= Date.parse(b.to), {
      message: 'from must not be after to',
      path: ['from'],
    })
    .refine((b) => Date.parse(b.to) - Date.parse(b.from) <= maxRangeDays * 86_400_000, {
      message: `the range may span at most ${maxRangeDays} days`,
      path: ['to'],
    });
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (isObject && 'runIds' in body) return byIds.parse(body);
  return byRange.parse(isObject ? body : {});
}
