/**
 * OpenTelemetry semantic-convention names this instrumentation emits that are not (yet) in
 * our own registry (semconv/registry.yaml lists the `gen_ai.*` and `lineage.*` ones the
 * lineage graph depends on). Kept here, spelled out, so they can be grepped.
 */

/** Class of the error that ended the call (e.g. `BadRequestError`). */
export const ATTR_ERROR_TYPE = 'error.type' as const;
/** Host of the API endpoint the client talks to. */
export const ATTR_SERVER_ADDRESS = 'server.address' as const;
/** Port of the API endpoint. */
export const ATTR_SERVER_PORT = 'server.port' as const;
/** Request messages as JSON; only with `captureMessageContent`. */
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;
/** Response messages as JSON; only with `captureMessageContent`. */
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;
/** Encoding formats requested for embeddings. */
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats' as const;
/** Number of dimensions of the returned embeddings. */
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count' as const;
/** Number of choices requested (`n`) when not 1. */
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;
/** Stop sequences of the request. */
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences' as const;
/** Requested output type (`text`, `json`). */
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type' as const;
