import type { LineageEdge, LineageNode, SpanRecord } from '../model/lineage-record.js';

/** What one run's held (framework-level) invocations resolve to. */
export interface HeldResolution {
  /** Records of held invocations no provider-level span recorded: they are the only record of their call. */
  readonly released: { readonly nodes: LineageNode[]; readonly edges: LineageEdge[] };
  /** Held span id → id of the provider-level ModelInvocation that recorded the same call. */
  readonly coveredBy: ReadonlyMap<string, string>;
}

/** Same tolerance as infer-edges.ts: span starts are whole milliseconds, ends are not. */
const CLOCK_SLACK_MS = 1;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function endOf(n: LineageNode): number {
  return n.endTimeMs ?? n.startTimeMs;
}

/** Both values known and different: the two spans cannot be the same call. */
function differs(a: unknown, b: unknown): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

/**
 * Could `provider` be the call `held` saw from the framework? Their spans overlap in time (the
 * framework span is open around the client call; a framework's callbacks may start late but
 * not after the call ended), and operation and token usage agree where both recorded them
 * (the framework reports the usage the provider returned). Parentage is not used: Traceloop's
 * and OpenInference's LangChain spans are never the active context, so the provider span hangs
 * under whatever context was active: the framework span's parent (siblings) or an ancestor.
 */
function sameCall(held: LineageNode, provider: LineageNode): boolean {
  if (provider.startTimeMs > endOf(held) + CLOCK_SLACK_MS) return false;
  if (endOf(provider) < held.startTimeMs - CLOCK_SLACK_MS) return false;
  const h = held.props;
  const p = provider.props;
  return !(
    differs(h.operation, p.operation) ||
    differs(h.inputTokens, p.inputTokens) ||
    differs(h.outputTokens, p.outputTokens)
  );
}

/**
 * Decides, over one run's records, what each held framework-level invocation is. Pure and
 * order-independent: it depends only on the set of spans and nodes. Held spans are taken in
 * start order; each claims the unclaimed provider-level ModelInvocation (any ModelInvocation
 * not itself held) of the same call whose start is closest to its own, so two framework spans
 * never claim one provider call. A claimed call's framework span is a wrapper step (its
 * evidence feeds the provider's invocation); an unclaimed one is released as the invocation.
 */
export function resolveHeldInvocations(
  spans: readonly SpanRecord[],
  nodes: Iterable<LineageNode>,
): HeldResolution {
  const held = spans
    .filter((s) => s.heldInvocation !== undefined)
    .sort((a, b) => a.startTimeMs - b.startTimeMs || compare(a.spanId, b.spanId));
  const released = { nodes: [] as LineageNode[], edges: [] as LineageEdge[] };
  const coveredBy = new Map<string, string>();
  if (held.length === 0) return { released, coveredBy };
  const heldSpans = new Set(held.map((s) => s.spanId));
  const providers: LineageNode[] = [];
  for (const n of nodes) if (n.kind === 'ModelInvocation' && !heldSpans.has(n.spanId)) providers.push(n);
  providers.sort((a, b) => a.startTimeMs - b.startTimeMs || compare(a.id, b.id));
  const claimed = new Set<string>();
  for (const span of held) {
    const records = span.heldInvocation;
    if (records === undefined) continue;
    const mi = records.nodes.find((n) => n.kind === 'ModelInvocation');
    let best: LineageNode | undefined;
    if (mi !== undefined) {
      for (const p of providers) {
        if (claimed.has(p.id) || !sameCall(mi, p)) continue;
        // Providers are in start order, so a tie in distance keeps the earlier one.
        if (
          best === undefined ||
          Math.abs(p.startTimeMs - mi.startTimeMs) < Math.abs(best.startTimeMs - mi.startTimeMs)
        )
          best = p;
      }
    }
    if (best !== undefined) {
      claimed.add(best.id);
      coveredBy.set(span.spanId, best.id);
    } else {
      released.nodes.push(...records.nodes);
      released.edges.push(...records.edges);
    }
  }
  return { released, coveredBy };
}
