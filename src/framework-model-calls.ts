/**
 * Model calls that a framework-level instrumentation (our LangChain tracer) is recording
 * as ModelInvocations and has not finished yet, keyed by operation and input hash.
 *
 * Why it exists: with our LangChain and OpenAI instrumentations both on (the setup the
 * README recommends), one `ChatOpenAI` call would otherwise be recorded twice: once by the
 * LangChain handler and once by the OpenAI client patch underneath it. The framework span
 * knows the chain it belongs to and starts first, so it keeps the invocation; a
 * provider-level instrumentation that sees a request with the same operation and the
 * same input hash while that span is open leaves the call to it.
 *
 * Process-wide rather than per run: LangChain callbacks never make their span the active
 * context, so the provider call cannot find the framework span through context. The
 * input hash (RFC 8785 + SHA-256 over the messages, computed by the SDK's rules on both
 * sides) is what ties the two together, so an unrelated request is never mistaken for
 * the framework's. Kept on `globalThis` so two copies of the SDK (an ESM and a CommonJS
 * load) share one registry.
 */

/** Upper bound on distinct open keys; past it, new framework calls are not registered (both spans are then recorded, as without this registry). */
export const MAX_OPEN_FRAMEWORK_MODEL_CALLS = 4096;

const REGISTRY_KEY = Symbol.for('agent-lineage.framework-model-calls.v1');

/** The shared registry: open calls per key (several when identical requests run concurrently). */
function sharedRegistry(): Map<string, number> {
  const holder = globalThis as { [REGISTRY_KEY]?: unknown };
  const existing = holder[REGISTRY_KEY];
  if (existing instanceof Map) return existing as Map<string, number>;
  const created = new Map<string, number>();
  holder[REGISTRY_KEY] = created;
  return created;
}

const open = sharedRegistry();

function keyOf(operation: string, inputSha256: string): string {
  return `${operation} ${inputSha256}`;
}

/** Closes a framework model call; calling it more than once has no further effect. */
export type CloseFrameworkModelCall = () => void;

const NOTHING_TO_CLOSE: CloseFrameworkModelCall = () => {};

/**
 * Registers a framework model call that has started (its span is recording) until the
 * returned function is called — on the framework's end, error or eviction of the call.
 * @param operation GenAI operation name (`chat`, `text_completion`).
 * @param inputSha256 `lineage.input.sha256` of the framework span.
 * @returns the function that closes the call; a no-op one when the registry is full.
 */
export function openFrameworkModelCall(operation: string, inputSha256: string): CloseFrameworkModelCall {
  const key = keyOf(operation, inputSha256);
  const count = open.get(key);
  if (count === undefined && open.size >= MAX_OPEN_FRAMEWORK_MODEL_CALLS) return NOTHING_TO_CLOSE;
  open.set(key, (count ?? 0) + 1);
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    const left = (open.get(key) ?? 1) - 1;
    if (left > 0) open.set(key, left);
    else open.delete(key);
  };
}

/** True when any framework model call is open: a provider instrumentation checks this before hashing anything. */
export function anyFrameworkModelCallOpen(): boolean {
  return open.size > 0;
}

/**
 * True when a framework model call with this operation and input hash is open: the
 * request belongs to it (a retry of it included) and must not become a second invocation.
 */
export function isFrameworkModelCall(operation: string, inputSha256: string): boolean {
  return open.has(keyOf(operation, inputSha256));
}
