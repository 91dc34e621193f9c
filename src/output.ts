import { context, INVALID_SPAN_CONTEXT, type Link, SpanKind } from '@opentelemetry/api';
import {
  ATTR_LINEAGE_CONTENT,
  ATTR_LINEAGE_OUTPUT_CHANNEL,
  ATTR_LINEAGE_OUTPUT_RECIPIENT,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
  LINK_TYPE_CONTRIBUTED_TO,
  LINK_TYPE_SUPERSEDES,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import { getConfig } from './config.js';
import { type PreparedContent, prepareContent, truncateUtf8 } from './content.js';
import { isLineageHandle, type LineageHandle, RecordedHandle } from './handles.js';
import { edgeLink, explicitLinks, MAX_LINKS } from './inference.js';
import { pseudonymize } from './pseudonym.js';
import { describeError, reportDrop, reportFailure } from './report.js';
import { getRunState } from './run-state.js';

/** Options of {@link recordOutput}. */
export interface OutputOptions {
  /** What is delivered: text (UTF-8), bytes, or a JSON value (canonical JSON). Only its hash is recorded. */
  readonly content: unknown;
  /** Where it is delivered (`lineage.output.channel`), e.g. `email`, `api`, `chat_ui`. */
  readonly channel?: string;
  /** Raw recipient id; recorded only as a keyed pseudonym (`lineage.output.recipient`). */
  readonly recipient?: string;
  /**
   * What contributed (handles of model invocations, tool calls, retrievals) →
   * `contributed_to` links. Default: the run's last model invocation, marked inferred.
   */
  readonly inputs?: readonly LineageHandle[];
  /** The earlier output this one corrects → a `supersedes` link. */
  readonly supersedes?: LineageHandle;
}

/**
 * Records a FinalOutput delivered to a recipient: an `output {channel}` span carrying the
 * content hash, channel and pseudonymised recipient, linked `contributed_to` to its
 * contributors and `supersedes` to the output it corrects. Never throws: on bad input it
 * records what it can and reports the rest through diag.
 * @returns a handle naming the output (its `sha256` is the content hash when it could be hashed).
 */
export function recordOutput(options: OutputOptions): LineageHandle {
  try {
    return emitOutput(options);
  } catch (error) {
    reportFailure('recordOutput', error);
    return new RecordedHandle('output', INVALID_SPAN_CONTEXT);
  }
}

function emitOutput(raw: OutputOptions): LineageHandle {
  const config = getConfig();
  const options = asRecord(raw);
  const parent = context.active();
  const prepared = prepareOutput(options.content, config.captureContent ? config.maxContentBytes : 0);
  const sha256 = prepared?.sha256;
  const b = new AttributeBuilder(config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'output')
    .set(ATTR_LINEAGE_OUTPUT_SHA256, sha256)
    .string(ATTR_LINEAGE_OUTPUT_CHANNEL, options.channel)
    .set(ATTR_LINEAGE_OUTPUT_RECIPIENT, pseudonymize(options.recipient, config.pseudonymKey));
  // Content capture is opt-in: the delivered text itself (truncated), which the exporter
  // encrypts with the recipient's key so erasing the recipient makes it unreadable.
  if (config.captureContent && prepared?.text !== undefined) {
    b.set(ATTR_LINEAGE_CONTENT, truncateUtf8(prepared.text, config.maxCaptureBytes));
  }
  const channel = b.attributes[ATTR_LINEAGE_OUTPUT_CHANNEL];
  const links = contributorLinks(options.inputs, getRunState(parent)?.lastInvocation);
  if (options.supersedes !== undefined) {
    if (isLineageHandle(options.supersedes)) {
      links.push(
        edgeLink(options.supersedes.spanContext, LINK_TYPE_SUPERSEDES, options.supersedes.sha256, false),
      );
    } else {
      reportDrop('recordOutput', 'supersedes is not a lineage handle');
    }
  }
  const span = config.tracer.startSpan(
    typeof channel === 'string' ? `output ${channel}` : 'output',
    { kind: SpanKind.INTERNAL, attributes: b.attributes, links: links.slice(0, MAX_LINKS) },
    parent,
  );
  span.end();
  return new RecordedHandle('output', span.spanContext(), sha256);
}

function contributorLinks(inputs: unknown, lastInvocation: LineageHandle | undefined): Link[] {
  if (inputs !== undefined) return explicitLinks(inputs, LINK_TYPE_CONTRIBUTED_TO);
  if (lastInvocation === undefined) return [];
  return [edgeLink(lastInvocation.spanContext, LINK_TYPE_CONTRIBUTED_TO, lastInvocation.sha256, true)];
}

function prepareOutput(content: unknown, maxCopyBytes: number): PreparedContent | undefined {
  if (content === undefined) {
    reportDrop('recordOutput', 'content missing; the output is recorded without a hash');
    return undefined;
  }
  try {
    return prepareContent(content, maxCopyBytes);
  } catch (error) {
    reportDrop('recordOutput', `content hash omitted: ${describeError(error)}`);
    return undefined;
  }
}

function asRecord(raw: unknown): Partial<Record<keyof OutputOptions, unknown>> {
  if (typeof raw === 'object' && raw !== null) return raw as Partial<Record<keyof OutputOptions, unknown>>;
  reportDrop('recordOutput', 'options must be an object');
  return {};
}
