/**
 * OTLP receiver: protobuf/JSON decoders for the OTLP trace (and logs) requests, the
 * transport-independent receiver core, and the OTLP/HTTP and OTLP/gRPC servers.
 */
export { checkLogsRequestLimits, checkTraceRequestLimits } from './check-limits.js';
export { decodeLogsRequestJson, decodeTraceRequestJson } from './decode-json.js';
export { decodeLogsRequestProtobuf, decodeTraceRequestProtobuf } from './decode-protobuf.js';
export { gunzipBounded } from './decompress.js';
export {
  decodeLogsResponse,
  decodeTraceResponse,
  type ExportLogsResult,
  type ExportTracesResult,
  encodeLogsResponse,
  encodeRpcStatus,
  encodeTraceResponse,
  type OtlpEncoding,
} from './encode-response.js';
export { GRPC_STATUS, type RefusalStatus, refusalStatus } from './error-status.js';
export {
  createLogsExportHandler,
  createTraceExportHandler,
  logsServiceDefinition,
  OTLP_GRPC_LOGS_EXPORT_PATH,
  OTLP_GRPC_TRACE_EXPORT_PATH,
  type OtlpGrpcServer,
  type OtlpGrpcServerOptions,
  startOtlpGrpcServer,
  traceServiceDefinition,
} from './grpc-server.js';
export {
  createOtlpHttpListener,
  OTLP_HTTP_LOGS_PATH,
  OTLP_HTTP_TRACES_PATH,
  type OtlpHttpServer,
  type OtlpHttpServerOptions,
  startOtlpHttpServer,
} from './http-server.js';
export type { OtlpExportLogsServiceRequest, OtlpLogRecord } from './otlp-logs-types.js';
export {
  createOtlpReceiver,
  type LogsIngest,
  type OtlpReceiver,
  type OtlpReceiverOptions,
  type ReceiverLogger,
  type TraceIngest,
} from './otlp-receiver.js';
export { OTLP_PROTO_SOURCES, type OtlpProtoTypes, otlpProtoTypes } from './otlp-schema.js';
export { OtlpDecodeError, OtlpLimitError, type OtlpLimitKind, UnavailableError } from './receiver-errors.js';
export {
  DEFAULT_RECEIVER_LIMITS,
  parseReceiverLimits,
  type ReceiverLimits,
  type ReceiverLimitsInput,
  receiverLimitsSchema,
} from './receiver-limits.js';
