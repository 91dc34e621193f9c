import { diag } from '@opentelemetry/api';
import { ZodError } from 'zod';
import { ProblemError } from './problem.js';

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly [extension: string]: unknown;
}

/** A mapped error: the document plus response headers it needs (WWW-Authenticate, Allow). */
export interface MappedProblem {
  readonly body: ProblemDocument;
  readonly headers: Readonly<Record<string, string>>;
}

/** Media type of every error response. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TYPE_PREFIX = 'urn:agent-lineage:problem:';

/** body-parser errors carry a `type` string and a `status`; nothing else of them is trusted. */
interface HttpishError {
  readonly type?: unknown;
  readonly status?: unknown;
}

/**
 * The single error-to-HTTP mapping. Known errors keep their status; anything unexpected
 * becomes a 500 whose detail reveals nothing about internals (it is logged instead).
 */
export function toProblem(error: unknown, instance: string): MappedProblem {
  const doc = (
    slug: string,
    title: string,
    status: number,
    detail: string,
    ext: Record<string, unknown> = {},
  ) => ({
    ...ext,
    type: `${TYPE_PREFIX}${slug}`,
    title,
    status,
    detail,
    instance,
  });
  if (error instanceof ProblemError) {
    return {
      body: doc(error.slug, error.title, error.status, error.detail, { ...error.extensions }),
      headers: error.headers,
    };
  }
  if (error instanceof ZodError) {
    const errors = error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const first = errors[0];
    const detail = first ? `${first.path || 'input'}: ${first.message}` : 'invalid input';
    return { body: doc('validation', 'Bad Request', 400, detail, { errors }), headers: {} };
  }
  // Stores and the access log each raise their own InvalidCursorError; matching by name keeps
  // the API independent of any one adapter. Their messages are written for clients.
  if (error instanceof Error && error.name === 'InvalidCursorError') {
    return {
      body: doc(
        'invalid-cursor',
        'Bad Request',
        400,
        'invalid cursor: use a nextCursor returned by this endpoint',
      ),
      headers: {},
    };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
  switch (e.type) {
    case 'entity.parse.failed':
      return {
        body: doc('malformed-json', 'Bad Request', 400, 'the request body is not valid JSON'),
        headers: {},
      };
    case 'entity.too.large':
      return {
        body: doc('payload-too-large', 'Content Too Large', 413, 'the request body is too large'),
        headers: {},
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        body: doc(
          'unsupported-media-type',
          'Unsupported Media Type',
          415,
          'unsupported body encoding or charset',
        ),
        headers: {},
      };
    default:
      break;
  }
  if (error instanceof URIError) {
    // Express could not percent-decode a path parameter (e.g. %FF).
    return {
      body: doc('invalid-path', 'Bad Request', 400, 'the path is not valid percent-encoded UTF-8'),
      headers: {},
    };
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    // Another client error raised by Express or a parser: keep the status, not the message.
    return {
      body: doc('bad-request', 'Bad Request', e.status, 'the request could not be processed'),
      headers: {},
    };
  }
  diag.error('agent-lineage api: unexpected error', error);
  return { body: doc('internal', 'Internal Server Error', 500, 'an unexpected error occurred'), headers: {} };
}
