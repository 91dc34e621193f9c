import { diag } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { AccessLogEntry } from '../auth/access-log.js';
import type { Principal } from '../auth/principal.js';
import type { ServiceDeps } from './app-deps.js';
import { ProblemError } from './problem.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './to-problem.js';

/** Longest request path kept in the access log and in problem `instance`. */
const MAX_PATH = 2048;

/** Per-app request state: who is calling (set by authentication). */
export interface RequestState {
  readonly principals: WeakMap<Request, Principal>;
}

/** A response body and its media type. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends replies; the only place that writes response bodies. */
export interface Responder {
  send(req: Request, res: Response, reply: Reply): Promise<void>;
  /** Maps any error to a problem document and sends it. */
  sendError(req: Request, res: Response, error: unknown): Promise<void>;
}

/**
 * Builds the responder. Every response to an auditor is written to the access log
 * *before* it is sent, and if the log cannot be written the auditor gets a 503 problem
 * instead of the data: an auditor query that is not logged must not be answered.
 */
export function createResponder(
  deps: Pick<ServiceDeps, 'accessLog' | 'clock'>,
  state: RequestState,
): Responder {
  const log = async (req: Request, status: number) => {
    const principal = state.principals.get(req);
    if (principal?.role !== 'auditor') return;
    const entry: AccessLogEntry = {
      time: new Date(deps.clock()).toISOString(),
      keyId: principal.keyId,
      method: req.method,
      path: req.originalUrl.slice(0, MAX_PATH),
      status,
      decision: status === 401 || status === 403 ? 'denied' : 'allowed',
    };
    await deps.accessLog.append(entry);
  };

  const write = (res: Response, reply: Reply) => {
    res.status(reply.status);
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    res.setHeader('Content-Type', reply.contentType);
    // Lineage answers can name people (pseudonyms) and content hashes: never cache them.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(
      typeof reply.body === 'string'
        ? reply.body
        : Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength),
    );
  };

  const problemReply = (req: Request, error: unknown): Reply => {
    const { body, headers } = toProblem(error, req.path.slice(0, MAX_PATH));
    return { status: body.status, contentType: PROBLEM_CONTENT_TYPE, body: JSON.stringify(body), headers };
  };

  const send = async (req: Request, res: Response, reply: Reply) => {
    try {
      await log(req, reply.status);
    } catch (error) {
      diag.error('agent-lineage api: access log append failed; refusing to answer the auditor', error);
      const unavailable = new ProblemError(
        503,
        'access-log-unavailable',
        'Service Unavailable',
        'the access log could not be written, so this auditor request is not answered',
      );
      // Written directly: logging this answer would fail the same way.
      write(res, problemReply(req, unavailable));
      return;
    }
    write(res, reply);
  };

  return {
    send,
    sendError: (req, res, error) => {
      if (res.headersSent) {
        // Nothing can be sent any more; make the failure visible rather than silent.
        diag.error('agent-lineage api: error after the response started', error);
        res.destroy();
        return Promise.resolve();
      }
      return send(req, res, problemReply(req, error));
    },
  };
}
