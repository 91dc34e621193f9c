import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { decodeTraceResponse, type ExportTracesResult } from '../../exporter/otlp/encode-response.js';
import { OTLP_GRPC_TRACE_EXPORT_PATH } from '../../exporter/otlp/grpc-server.js';
import { otlpProtoTypes } from '../../exporter/otlp/otlp-schema.js';

/** One OTLP attribute as protobufjs `fromObject` takes it. */
export interface AttributeInput {
  readonly key: string;
  readonly value: { readonly stringValue?: string; readonly intValue?: number };
}

/** One span as protobufjs `fromObject` takes it; ids are raw bytes so tests can make them wrong. */
export interface SpanInput {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  readonly parentSpanId?: Uint8Array;
  readonly name: string;
  readonly attributes?: readonly AttributeInput[];
}

/** A string attribute. */
export const attr = (key: string, value: string): AttributeInput => ({ key, value: { stringValue: value } });

/** Encodes an `ExportTraceServiceRequest` holding the spans (one resource, one scope). */
export function encodeTraceRequest(spans: readonly SpanInput[]): Uint8Array {
  const type = otlpProtoTypes().exportTraceServiceRequest;
  const start = BigInt(Date.now()) * 1_000_000n;
  return type
    .encode(
      type.fromObject({
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'reliability-test')] },
            scopeSpans: [
              {
                scope: { name: 'agent-lineage-reliability' },
                spans: spans.map((s) => ({
                  ...s,
                  kind: 1,
                  startTimeUnixNano: start.toString(),
                  endTimeUnixNano: (start + 1_000_000n).toString(),
                })),
              },
            ],
          },
        ],
      }),
    )
    .finish();
}

/** A fresh run: ids and its root `invoke_agent` span plus one chat span. */
export interface RunSpans {
  /** Run id = trace id, lowercase hex. */
  readonly runId: string;
  readonly traceId: Buffer;
  readonly spans: readonly SpanInput[];
}

/**
 * A valid two-span run (root run span + chat span). `rootAttributes` are added to the root,
 * `chatAttributes` to the chat span.
 */
export function newRun(
  rootAttributes: readonly AttributeInput[] = [],
  chatAttributes: readonly AttributeInput[] = [],
): RunSpans {
  const traceId = randomBytes(16);
  const rootId = randomBytes(8);
  return {
    runId: traceId.toString('hex'),
    traceId,
    spans: [
      {
        traceId,
        spanId: rootId,
        name: 'invoke_agent reliability-agent',
        attributes: [
          attr('gen_ai.operation.name', 'invoke_agent'),
          attr('gen_ai.agent.name', 'reliability-agent'),
          attr('lineage.span.type', 'run'),
          ...rootAttributes,
        ],
      },
      {
        traceId,
        spanId: randomBytes(8),
        parentSpanId: rootId,
        name: 'chat gpt-4o-2024-08-06',
        attributes: [
          attr('gen_ai.operation.name', 'chat'),
          attr('gen_ai.request.model', 'gpt-4o-2024-08-06'),
          attr('lineage.span.type', 'model_invocation'),
          ...chatAttributes,
        ],
      },
    ],
  };
}

/** An HTTP answer: status, headers and raw body. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Options of `postTraces`. */
export interface PostOptions {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  /** Send `transfer-encoding: chunked` without a content-length, in 64 KiB chunks. */
  readonly chunked?: boolean;
}

/**
 * POSTs a body to `/v1/traces` with node:http (fetch would fix up headers we want wrong).
 * It sends the body at once, as OTel exporters do, and stops uploading when an answer arrives;
 * an upload cut short by the server after that answer still counts. A connection error with
 * no answer at all (e.g. EPIPE/ECONNRESET) resolves with status 0 and the error code as body.
 */
export function postTraces(
  otlpHttpUrl: string,
  body: Uint8Array,
  options: PostOptions = {},
): Promise<HttpAnswer> {
  const url = new URL(`${otlpHttpUrl}/v1/traces`);
  const headers: Record<string, string> = {};
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  if (options.contentEncoding !== undefined) headers['content-encoding'] = options.contentEncoding;
  if (!options.chunked) headers['content-length'] = String(body.byteLength);
  return new Promise((resolve) => {
    let answered = false;
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
          req.destroy();
        });
        res.on('error', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) resolve({ status: 0, headers: {}, body: Buffer.from(error.code ?? error.message) });
    });
    const step = 64 * 1024;
    let offset = 0;
    const pump = () => {
      while (offset < body.byteLength && !answered && !req.destroyed) {
        const piece = body.subarray(offset, offset + step);
        offset += step;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered && !req.destroyed) req.end();
    };
    // The body goes out at once, as OTel exporters send it (they do not wait for 100-continue).
    pump();
  });
}

/** Decodes a 200 protobuf answer's partial success. */
export function partialSuccessOf(answer: HttpAnswer): ExportTracesResult {
  return decodeTraceResponse(answer.body);
}

/** Decodes the `google.rpc.Status` of a protobuf error answer. */
export function rpcStatusOf(answer: HttpAnswer): { code: number; message: string } {
  const type = otlpProtoTypes().rpcStatus;
  const status = type.toObject(type.decode(answer.body)) as { code?: number; message?: string };
  return { code: status.code ?? 0, message: status.message ?? '' };
}

/** Outcome of a raw gRPC Export call. */
export interface GrpcAnswer {
  /** grpc status code; 0 = OK. */
  readonly code: number;
  readonly details: string;
}

/** Sends raw bytes as one OTLP/gRPC Export call (no client-side encoding, so bytes can be garbage). */
export function grpcExportRaw(address: string, body: Uint8Array): Promise<GrpcAnswer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<GrpcAnswer>((resolve) => {
    client.makeUnaryRequest(
      OTLP_GRPC_TRACE_EXPORT_PATH,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      body,
      { deadline: Date.now() + 15_000 },
      (error) => resolve(error ? { code: error.code, details: error.details } : { code: 0, details: '' }),
    );
  }).finally(() => client.close());
}
