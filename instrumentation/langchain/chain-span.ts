import { type Link, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_LINEAGE_OUTPUT_CHANNEL,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
  LINK_TYPE_CONTRIBUTED_TO,
} from '../../semconv/index.js';
import { AttributeBuilder } from '../../src/attributes.js';
import { prepareContent } from '../../src/content.js';
import { edgeLink } from '../../src/inference.js';
import { reportDrop } from '../../src/report.js';
import { beginRunSpan } from '../../src/run.js';
import { chainOutputContent } from './chain-output.js';
import { type OpenRun, type SpanDeps, type SpanParent, serializedName, str } from './open-run.js';

/** The LangChain arguments of a chain start. */
export interface ChainStart {
  readonly serialized: unknown;
  readonly name: unknown;
  /** True when LangChain gave no parent run id (the outermost runnable). */
  readonly isRoot: boolean;
}

/** Channel of the FinalOutput the tracer records for a run it started itself. */
export const LANGCHAIN_OUTPUT_CHANNEL = 'langchain';

/**
 * Starts the span of a chain, agent or other runnable. The outermost one becomes a
 * lineage run (a new trace, linked to the active span as `startRun` does) when no run is
 * active; every other chain is a plain step span under its LangChain parent, so LangChain's
 * run tree becomes the span tree.
 */
export function startChainSpan(start: ChainStart, parent: SpanParent, deps: SpanDeps): OpenRun {
  const name = str(start.name) ?? serializedName(start.serialized) ?? 'chain';
  if (start.isRoot && parent.runState === undefined) {
    const { span, ctx, state } = beginRunSpan({ agentName: name }, parent.ctx, deps.tracer);
    return { kind: 'run', span, ctx, runState: state, startedAt: performance.now() };
  }
  const span = deps.tracer.startSpan(name, { kind: SpanKind.INTERNAL }, parent.ctx);
  return {
    kind: 'step',
    span,
    ctx: trace.setSpan(parent.ctx, span),
    runState: parent.runState,
    startedAt: performance.now(),
  };
}

/**
 * Records what a run the tracer started delivered as its FinalOutput (`output langchain`),
 * `contributed_to` the run's last answered model invocation (inferred), as `recordOutput`
 * does. Runs the application started itself record their own output with `recordOutput`.
 */
export function recordRunOutput(run: OpenRun, outputs: unknown, deps: SpanDeps): void {
  let sha256: string | undefined;
  try {
    sha256 = prepareContent(chainOutputContent(outputs) ?? null, 0).sha256;
  } catch (error) {
    reportDrop('LangChain run output', `content hash omitted: ${(error as Error).message}`);
    return;
  }
  const attributes = new AttributeBuilder(deps.config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'output')
    .set(ATTR_LINEAGE_OUTPUT_SHA256, sha256)
    .set(ATTR_LINEAGE_OUTPUT_CHANNEL, LANGCHAIN_OUTPUT_CHANNEL).attributes;
  const last = run.runState?.lastInvocation;
  const links: Link[] =
    last === undefined ? [] : [edgeLink(last.spanContext, LINK_TYPE_CONTRIBUTED_TO, last.sha256, true)];
  deps.tracer
    .startSpan(`output ${LANGCHAIN_OUTPUT_CHANNEL}`, { kind: SpanKind.INTERNAL, attributes, links }, run.ctx)
    .end();
}
