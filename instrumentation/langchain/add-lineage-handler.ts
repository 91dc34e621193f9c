import type { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { CallbackManager, Callbacks } from '@langchain/core/callbacks/manager';
import { LineageCallbackHandler } from './lineage-callback-handler.js';

function isManager(value: unknown): value is CallbackManager {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as CallbackManager).handlers) &&
    typeof (value as CallbackManager).copy === 'function'
  );
}

function hasLineageHandler(handlers: readonly unknown[]): boolean {
  return handlers.some((h) => h instanceof LineageCallbackHandler);
}

/**
 * The inheritable callbacks of a run with the lineage handler added — once: a run whose
 * callbacks already hold one (any instance, e.g. passed by the user) is left alone. The
 * caller's array or manager is never mutated: a new array or a copied manager is returned.
 */
export function addLineageHandler(
  callbacks: Callbacks | undefined,
  handler: LineageCallbackHandler,
): Callbacks {
  if (callbacks === undefined || callbacks === null) return [handler];
  if (Array.isArray(callbacks)) {
    return hasLineageHandler(callbacks) ? callbacks : [...callbacks, handler];
  }
  if (isManager(callbacks)) {
    if (hasLineageHandler(callbacks.handlers) || hasLineageHandler(callbacks.inheritableHandlers))
      return callbacks;
    return callbacks.copy([handler as BaseCallbackHandler], true);
  }
  return callbacks;
}
