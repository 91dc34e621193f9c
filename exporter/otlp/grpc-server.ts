import * as grpc from '@grpc/grpc-js';
import { encodeLogsResponse, encodeRpcStatus, encodeTraceResponse } from './encode-response.js';
import { refusalStatus } from './error-status.js';
import type { OtlpReceiver, ReceiverLogger } from './otlp-receiver.js';

/** Full method path of OTLP/gRPC trace export. */
export const OTLP_GRPC_TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** Full method path of OTLP/gRPC logs export. */
export const OTLP_GRPC_LOGS_EXPORT_PATH = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

const identity = (bytes: Buffer): Buffer => bytes;
const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * TraceService as a generic grpc-js definition. Deserialisation keeps the raw bytes: decoding
 * happens in the handler, so a malformed message becomes INVALID_ARGUMENT with our message
 * (a throwing deserializer would make grpc-js answer INTERNAL).
 */
export const traceServiceDefinition: grpc.ServiceDefinition<grpc.UntypedServiceImplementation> = {
  Export: {
    path: OTLP_GRPC_TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: toBuffer,
    requestDeserialize: identity,
    responseSerialize: toBuffer,
    responseDeserialize: identity,
  },
};

/** LogsService, defined the same way as TraceService. */
export const logsServiceDefinition: grpc.ServiceDefinition<grpc.UntypedServiceImplementation> = {
  Export: { ...traceServiceDefinition.Export!, path: OTLP_GRPC_LOGS_EXPORT_PATH },
};

/** Builds the unary TraceService Export handler over a receiver core. */
export function createTraceExportHandler(
  receiver: OtlpReceiver,
  logger: ReceiverLogger = console,
): grpc.handleUnaryCall<Buffer, Uint8Array> {
  return createExportHandler(
    receiver,
    async (request) => encodeTraceResponse(await receiver.exportTraces(request, 'protobuf'), 'protobuf'),
    logger,
  );
}

/** Builds the unary LogsService Export handler over a receiver core. */
export function createLogsExportHandler(
  receiver: OtlpReceiver,
  logger: ReceiverLogger = console,
): grpc.handleUnaryCall<Buffer, Uint8Array> {
  return createExportHandler(
    receiver,
    async (request) => encodeLogsResponse(await receiver.exportLogs(request, 'protobuf'), 'protobuf'),
    logger,
  );
}

function createExportHandler(
  receiver: OtlpReceiver,
  exportRequest: (request: Buffer) => Promise<Uint8Array>,
  logger: ReceiverLogger,
): grpc.handleUnaryCall<Buffer, Uint8Array> {
  return (call, callback) => {
    receiver
      .admit(() => exportRequest(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const status = refusalStatus(error, receiver.limits.retryAfterSeconds);
          if (status.grpcCode === grpc.status.INTERNAL) {
            logger.error('otlp/grpc: request failed', { error });
          } else {
            logger.warn('otlp/grpc: request refused', { code: status.grpcCode, reason: status.message });
          }
          const metadata = new grpc.Metadata();
          if (status.retryAfterSeconds !== undefined) {
            // google.rpc.Status with RetryInfo: the Collector's OTLP exporter honours it as back-off.
            metadata.set(
              'grpc-status-details-bin',
              toBuffer(
                encodeRpcStatus(
                  {
                    code: status.grpcCode,
                    message: status.message,
                    retryAfterSeconds: status.retryAfterSeconds,
                  },
                  'protobuf',
                ),
              ),
            );
          }
          callback({ code: status.grpcCode, details: status.message, metadata });
        },
      );
  };
}

/** Where to listen. */
export interface OtlpGrpcServerOptions {
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  /** Defaults to 4317 (OTLP/gRPC); 0 picks a free port. */
  readonly port?: number;
  readonly logger?: ReceiverLogger;
  /** How long `close()` waits for in-flight calls before cancelling them. Default 10 s. */
  readonly closeTimeoutMs?: number;
}

/** A running OTLP/gRPC server (plaintext; put TLS in front or extend when needed). */
export interface OtlpGrpcServer {
  readonly port: number;
  /** `host:port`, as gRPC clients take it. */
  readonly address: string;
  /** Stops accepting calls, waits for in-flight ones (up to the timeout), then shuts down. */
  close(): Promise<void>;
}

/**
 * Starts an OTLP/gRPC server (TraceService, and LogsService when the receiver ingests logs)
 * on top of a receiver core. Its max receive message
 * size is `limits.maxDecompressedBytes` (grpc-js applies it to the decompressed message), so
 * larger messages are answered RESOURCE_EXHAUSTED by grpc-js before any decoding.
 */
export async function startOtlpGrpcServer(
  receiver: OtlpReceiver,
  options: OtlpGrpcServerOptions = {},
): Promise<OtlpGrpcServer> {
  const host = options.host ?? '127.0.0.1';
  const server = new grpc.Server({
    'grpc.max_receive_message_length': receiver.limits.maxDecompressedBytes,
  });
  server.addService(traceServiceDefinition, { Export: createTraceExportHandler(receiver, options.logger) });
  if (receiver.servesLogs) {
    server.addService(logsServiceDefinition, { Export: createLogsExportHandler(receiver, options.logger) });
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${urlHost}:${options.port ?? 4317}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    );
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    address: `${urlHost}:${port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), options.closeTimeoutMs ?? 10_000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closed;
    },
  };
}
