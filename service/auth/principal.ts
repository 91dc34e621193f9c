/** The three roles of DESIGN.md section 7. */
export type Role = 'engineering' | 'compliance' | 'auditor';

/** What an auditor key may see: named runs and/or a window on the run start time (epoch ms, inclusive). */
export interface AuditorScope {
  readonly runs?: readonly string[];
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** The authenticated caller of one request. */
export interface Principal {
  /** Key id from the auth file (never the token). */
  readonly keyId: string;
  readonly role: Role;
  /** Present exactly when role is `auditor`. */
  readonly scope?: AuditorScope;
}

/** Only engineering may read captured content (DESIGN.md section 3: content is engineering-only). */
export function mayReadContent(principal: Principal): boolean {
  return principal.role === 'engineering';
}
