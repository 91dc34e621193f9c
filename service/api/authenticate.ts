import type { Request, RequestHandler } from 'express';
import type { AuthKey } from '../auth/auth-file.js';
import { createKeyVerifier, MAX_TOKEN_LENGTH } from '../auth/key-verifier.js';
import type { Principal, Role } from '../auth/principal.js';
import { forbidden, unauthorized } from './problem.js';
import type { RequestState } from './respond.js';

// RFC 6750 b64token after a case-insensitive "Bearer" scheme.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Authentication middleware: a valid bearer token or a 401 problem with WWW-Authenticate. */
export function authenticate(keys: readonly AuthKey[], state: RequestState): RequestHandler {
  const verify = createKeyVerifier(keys);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) throw unauthorized('an Authorization: Bearer <token> header is required');
    const m = header.length <= MAX_TOKEN_LENGTH + 16 ? BEARER.exec(header) : null;
    if (!m?.[1]) throw unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_request');
    const principal = verify(m[1]);
    if (!principal) throw unauthorized('the bearer token is not valid', 'invalid_token');
    state.principals.set(req, principal);
    next();
  };
}

/** The authenticated caller; only valid after `authenticate`. */
export function principalOf(state: RequestState, req: Request): Principal {
  const p = state.principals.get(req);
  // Routes are mounted after authenticate, so this is a wiring bug, never a client error.
  if (!p) throw new Error('principalOf called on an unauthenticated request');
  return p;
}

/** Role gate (default deny: a route lists the roles it admits). */
export function allowRoles(state: RequestState, ...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const p = principalOf(state, req);
    if (!roles.includes(p.role)) throw forbidden(`role ${p.role} may not use this endpoint`);
    next();
  };
}
