import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AuditorScope, Role } from './principal.js';

const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with Z or an offset',
});

const scopeSchema = z
  .strictObject({
    runs: z.array(z.string().min(1).max(128)).min(1).max(10_000).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .refine((s) => s.runs !== undefined || s.from !== undefined || s.to !== undefined, {
    message: 'an auditor scope must name runs and/or a time window (from/to)',
  })
  .refine((s) => s.from === undefined || s.to === undefined || Date.parse(s.from) <= Date.parse(s.to), {
    message: 'scope.from must not be after scope.to',
  });

const keySchema = z
  .strictObject({
    id: z.string().min(1).max(128),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64-hex-digit SHA-256 of the token')
      .transform((h) => h.toLowerCase()),
    role: z.enum(['engineering', 'compliance', 'auditor']),
    scope: scopeSchema.optional(),
  })
  .superRefine((k, ctx) => {
    if (k.role === 'auditor' && !k.scope) {
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'auditor keys need a scope (default deny)' });
    }
    if (k.role !== 'auditor' && k.scope) {
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'scope is only allowed on auditor keys' });
    }
  });

/** Schema of the auth file named by `--auth` / `LINEAGE_AUTH_FILE`. */
export const authFileSchema = z
  .strictObject({ keys: z.array(keySchema).min(1).max(10_000) })
  .superRefine((f, ctx) => {
    const ids = new Set<string>();
    const hashes = new Set<string>();
    f.keys.forEach((k, i) => {
      if (ids.has(k.id))
        ctx.addIssue({ code: 'custom', path: ['keys', i, 'id'], message: `duplicate key id ${k.id}` });
      // Two keys with one token would make the role of a request ambiguous.
      if (hashes.has(k.sha256)) {
        ctx.addIssue({ code: 'custom', path: ['keys', i, 'sha256'], message: 'duplicate token hash' });
      }
      ids.add(k.id);
      hashes.add(k.sha256);
    });
  });

/** One API key as held in memory: the token's SHA-256 (never the token itself). */
export interface AuthKey {
  readonly id: string;
  /** Lowercase hex SHA-256 of the bearer token. */
  readonly sha256: string;
  readonly role: Role;
  readonly scope?: AuditorScope;
}

/** Raised when the auth file is missing, not JSON, or does not match the schema; the message lists every problem. */
export class AuthFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`auth file ${path}: ${message}`);
    this.name = 'AuthFileError';
  }
}

/** Parses the auth file's JSON value (already read). Throws AuthFileError with one line per problem. */
export function parseAuthFile(value: unknown, path = '<inline>'): readonly AuthKey[] {
  const parsed = authFileSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    throw new AuthFileError(path, `invalid:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data.keys.map((k) => ({
    id: k.id,
    sha256: k.sha256,
    role: k.role,
    ...(k.scope
      ? {
          scope: {
            ...(k.scope.runs ? { runs: k.scope.runs } : {}),
            ...(k.scope.from ? { fromMs: Date.parse(k.scope.from) } : {}),
            ...(k.scope.to ? { toMs: Date.parse(k.scope.to) } : {}),
          },
        }
      : {}),
  }));
}

/** Reads and validates the auth file once at start-up; fails fast with a clear message. */
export async function loadAuthFile(path: string): Promise<readonly AuthKey[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AuthFileError(
      path,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AuthFileError(path, `is not valid JSON (${(error as Error).message})`);
  }
  return parseAuthFile(value, path);
}
