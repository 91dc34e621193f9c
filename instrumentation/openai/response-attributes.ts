import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_LINEAGE_MODEL_PINNED,
  ATTR_LINEAGE_MODEL_VERSION,
} from '../../semconv/index.js';
import { asCount, truncate } from '../../src/attributes.js';
import { isPinnedModelName } from '../../src/model-pinning.js';
import type { ModelResponseInfo } from '../../src/model-response.js';

/**
 * The response attributes of an invocation, by the SDK's `AttributeBuilder` rules (strings
 * non-empty and truncated, token counts non-negative safe integers, the model version and whether it is
 * pinned when the response names a model). Unknown values are left `undefined`, which
 * `span.setAttributes` skips, so the span gets exactly what the builder would have set.
 *
 * Why not the builder itself: every attribute goes through one store in its methods, which
 * V8 cannot specialise for eight different names; one store per attribute here is several
 * times cheaper, and this runs on every model call.
 */
export function responseAttributes(info: ModelResponseInfo, maxLength: number): Attributes {
  const attributes: Attributes = {};
  attributes[ATTR_GEN_AI_RESPONSE_MODEL] = text(info.model, maxLength);
  attributes[ATTR_GEN_AI_RESPONSE_ID] = text(info.id, maxLength);
  attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = texts(info.finishReasons, maxLength);
  attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = asCount(info.inputTokens);
  attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = asCount(info.outputTokens);
  // The answering model names the exact version; the request may have used an alias.
  const version = info.modelVersion ?? info.model;
  if (typeof version === 'string' && version.length > 0) {
    attributes[ATTR_LINEAGE_MODEL_VERSION] = truncate(version, maxLength);
    attributes[ATTR_LINEAGE_MODEL_PINNED] = isPinnedModelName(version);
  }
  return attributes;
}

function text(value: unknown, maxLength: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? truncate(value, maxLength) : undefined;
}

function texts(values: unknown, maxLength: number): string[] | undefined {
  if (!Array.isArray(values)) return undefined;
  const kept: string[] = [];
  for (const v of values) if (typeof v === 'string') kept.push(truncate(v, maxLength));
  return kept.length > 0 ? kept : undefined;
}
