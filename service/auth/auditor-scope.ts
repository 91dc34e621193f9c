import type { AuditorScope, Principal } from './principal.js';

/**
 * True when a run lies inside the principal's scope. Non-auditors are unscoped. An auditor
 * needs both conditions that the scope names: the run id is listed (when `runs` is given)
 * and the run started inside the window (when `from`/`to` are given).
 */
export function runInScope(principal: Principal, runId: string, runStartMs: number | undefined): boolean {
  const scope = principal.scope;
  if (principal.role !== 'auditor') return true;
  // Default deny: an auditor without a scope sees nothing (the loader already refuses such keys).
  if (!scope) return false;
  if (scope.runs && !scope.runs.includes(runId)) return false;
  if (scope.fromMs !== undefined || scope.toMs !== undefined) {
    if (runStartMs === undefined) return false;
    if (scope.fromMs !== undefined && runStartMs < scope.fromMs) return false;
    if (scope.toMs !== undefined && runStartMs > scope.toMs) return false;
  }
  return true;
}

/** True when the scope restricts by time (callers then need the run start time). */
export function scopeHasWindow(scope: AuditorScope | undefined): boolean {
  return scope !== undefined && (scope.fromMs !== undefined || scope.toMs !== undefined);
}

/**
 * Intersects a requested time window with the scope's window, so list queries ask the
 * store only for what the auditor may see. Returns undefined when the intersection is empty.
 */
export function clampWindow(
  scope: AuditorScope | undefined,
  fromMs: number | undefined,
  toMs: number | undefined,
): { fromMs?: number; toMs?: number } | undefined {
  const lo = max(fromMs, scope?.fromMs);
  const hi = min(toMs, scope?.toMs);
  if (lo !== undefined && hi !== undefined && lo > hi) return undefined;
  return { ...(lo !== undefined ? { fromMs: lo } : {}), ...(hi !== undefined ? { toMs: hi } : {}) };
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function min(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
