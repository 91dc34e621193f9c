/** Extra members of a problem document (RFC 9457 extension members). */
export type ProblemExtensions = Readonly<Record<string, unknown>>;

/**
 * The one error type the API raises on purpose. The error-to-HTTP mapping
 * (`to-problem.ts`) turns it, and every other error, into an RFC 9457 problem document.
 * `slug` names the problem type (`urn:agent-lineage:problem:{slug}`).
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: ProblemExtensions = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** 404 for an unknown run, output, model or data source. */
export function notFound(detail: string): ProblemError {
  return new ProblemError(404, 'not-found', 'Not Found', detail);
}

/** 403: authenticated, but the role or the auditor scope does not allow this. */
export function forbidden(detail: string): ProblemError {
  return new ProblemError(403, 'forbidden', 'Forbidden', detail);
}

/** 401 with the challenge RFC 6750 asks for. */
export function unauthorized(detail: string, error?: 'invalid_token' | 'invalid_request'): ProblemError {
  const challenge = error ? `Bearer realm="agent-lineage", error="${error}"` : 'Bearer realm="agent-lineage"';
  return new ProblemError(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': challenge });
}

/** 400 for input that passed parsing but not a rule (e.g. from after to). */
export function badRequest(slug: string, detail: string, extensions: ProblemExtensions = {}): ProblemError {
  return new ProblemError(400, slug, 'Bad Request', detail, extensions);
}
