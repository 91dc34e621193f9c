import protobuf from 'protobufjs';

/*
 * The OTLP protobuf schema, written by this project (no npm package ships the .proto files).
 * Field numbers follow opentelemetry-proto: common/v1/common.proto, resource/v1/resource.proto,
 * trace/v1/trace.proto, logs/v1/logs.proto and collector/{trace,logs}/v1/*_service.proto, plus
 * the google.rpc.Status / RetryInfo messages that OTLP error responses carry.
 *
 * It lives in a TypeScript string rather than a .proto file so that `tsc` ships it in `dist/`
 * without a copy step. Enums are declared as int32: OTLP readers must accept unknown enum
 * values, and the normaliser wants plain numbers anyway.
 */
const COMMON_PROTO = `
syntax = "proto3";
package opentelemetry.proto.common.v1;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
`;

const RESOURCE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;
message Resource {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
`;

const TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.trace.v1;
message TracesData { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  reserved 1;
  string message = 2;
  int32 code = 3;
}
`;

const LOGS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.logs.v1;
message LogsData { repeated ResourceLogs resource_logs = 1; }
message ResourceLogs {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
}
message ScopeLogs {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}
message LogRecord {
  reserved 4;
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  opentelemetry.proto.common.v1.AnyValue body = 5;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
`;

const COLLECTOR_TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.trace.v1;
service TraceService {
  rpc Export(ExportTraceServiceRequest) returns (ExportTraceServiceResponse) {}
}
message ExportTraceServiceRequest { repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

const COLLECTOR_LOGS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.logs.v1;
service LogsService {
  rpc Export(ExportLogsServiceRequest) returns (ExportLogsServiceResponse) {}
}
message ExportLogsServiceRequest { repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}
`;

// google/rpc/status.proto, google/rpc/error_details.proto (RetryInfo), google/protobuf/{any,duration}.proto:
// OTLP/HTTP error bodies are a Status, and a RetryInfo detail tells a Collector how long to back off.
const GOOGLE_RPC_PROTO = `
syntax = "proto3";
package google.rpc;
message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
message RetryInfo { google.protobuf.Duration retry_delay = 1; }
`;

const GOOGLE_PROTOBUF_PROTO = `
syntax = "proto3";
package google.protobuf;
message Any {
  string type_url = 1;
  bytes value = 2;
}
message Duration {
  int64 seconds = 1;
  int32 nanos = 2;
}
`;

/**
 * The OTLP protobuf schema, written by this project (no npm package ships the .proto files), one
 * .proto source per package: common, resource, trace, logs, the trace and logs collector services,
 * and the google.rpc Status/RetryInfo and google.protobuf Any/Duration messages error replies use.
 */
export const OTLP_PROTO_SOURCES: readonly string[] = [
  COMMON_PROTO,
  RESOURCE_PROTO,
  TRACE_PROTO,
  LOGS_PROTO,
  COLLECTOR_TRACE_PROTO,
  COLLECTOR_LOGS_PROTO,
  GOOGLE_PROTOBUF_PROTO,
  GOOGLE_RPC_PROTO,
];

/** The protobufjs types the receiver uses, resolved once. */
export interface OtlpProtoTypes {
  readonly exportTraceServiceRequest: protobuf.Type;
  readonly exportTraceServiceResponse: protobuf.Type;
  readonly exportLogsServiceRequest: protobuf.Type;
  readonly exportLogsServiceResponse: protobuf.Type;
  readonly rpcStatus: protobuf.Type;
  readonly retryInfo: protobuf.Type;
}

let cached: OtlpProtoTypes | undefined;

/**
 * Parses the schema on first use and returns the resolved types. protobufjs generates each
 * type's decoder on its first call, so the first request pays that cost, not module import.
 */
export function otlpProtoTypes(): OtlpProtoTypes {
  if (cached) return cached;
  const root = new protobuf.Root();
  for (const source of OTLP_PROTO_SOURCES) protobuf.parse(source, root, { keepCase: false });
  root.resolveAll();
  cached = {
    exportTraceServiceRequest: root.lookupType(
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    ),
    exportTraceServiceResponse: root.lookupType(
      'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
    ),
    exportLogsServiceRequest: root.lookupType(
      'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    ),
    exportLogsServiceResponse: root.lookupType(
      'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
    ),
    rpcStatus: root.lookupType('google.rpc.Status'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
  };
  return cached;
}
