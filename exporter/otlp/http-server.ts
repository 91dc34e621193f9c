import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipBounded } from './decompress.js';
import {
  encodeLogsResponse,
  encodeRpcStatus,
  encodeTraceResponse,
  type OtlpEncoding,
} from './encode-response.js';
import { refusalStatus } from './error-status.js';
import type { OtlpReceiver, ReceiverLogger } from './otlp-receiver.js';
import { OtlpLimitError } from './receiver-errors.js';

/** OTLP/HTTP traces path (OTLP spec default). */
export const OTLP_HTTP_TRACES_PATH = '/v1/traces';
/** OTLP/HTTP logs path (OTLP spec default). */
export const OTLP_HTTP_LOGS_PATH = '/v1/logs';

const CONTENT_TYPES: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};
const RESPONSE_CONTENT_TYPE: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Reads the body, stopping as soon as it exceeds `maxBytes` (the rest is discarded by node:http). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        reject(new OtlpLimitError('request-bytes', `request body exceeds ${maxBytes} bytes (the limit)`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    };
    const onAbort = () => {
      cleanup();
      reject(new Error('client closed the connection before the body was read'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('aborted', onAbort);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('aborted', onAbort);
  });
}

/**
 * Reads and throws away what is left of a refused request's body, then answers. Node
 * closes the connection when a response ends before the request body was read, and
 * closing while the client is still uploading makes the kernel reset it: the client then
 * sees EPIPE instead of our 413 and retries the same oversized batch. A body larger than
 * `maxBytes`, or one still arriving after `maxMs`, is answered at once and cut off.
 */
function answerAfterDraining(
  req: IncomingMessage,
  maxBytes: number,
  answer: () => void,
  maxMs = 30_000,
): void {
  if (req.complete) {
    answer();
    return;
  }
  let seen = 0;
  let done = false;
  const finish = (cutOff: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    answer();
    if (cutOff) req.socket.destroySoon();
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) finish(true);
  };
  const timer = setTimeout(() => finish(true), maxMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => finish(false));
  req.once('close', () => finish(false));
  req.resume();
}

function send(
  res: ServerResponse,
  status: number,
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>>,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

// google.rpc.Status codes for refusals decided by the HTTP layer itself (the OTLP spec treats
// the code in an HTTP body as informative; the HTTP status is what clients act on).
const RPC_CODE_FOR_HTTP: Readonly<Record<number, number>> = { 404: 5, 405: 12, 413: 8, 415: 3 };

function sendStatus(
  res: ServerResponse,
  httpStatus: number,
  message: string,
  encoding: OtlpEncoding,
  extra: Readonly<Record<string, string>> = {},
): void {
  const body = encodeRpcStatus({ code: RPC_CODE_FOR_HTTP[httpStatus] ?? 3, message }, encoding);
  send(res, httpStatus, body, { 'content-type': RESPONSE_CONTENT_TYPE[encoding], ...extra });
}

/**
 * A node:http request listener serving OTLP/HTTP `POST /v1/traces` and, when the receiver
 * ingests logs, `POST /v1/logs` (protobuf or JSON, optionally gzip) through the receiver; usable inside another server. Answers 404 for other paths,
 * 405 for other methods, 415 for other content types or encodings, and the receiver's refusals
 * mapped by `refusalStatus` with a `google.rpc.Status` body in the request's encoding.
 */
export function createOtlpHttpListener(
  receiver: OtlpReceiver,
  logger: ReceiverLogger = console,
): RequestListener {
  const { limits } = receiver;
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const signal =
      path === OTLP_HTTP_TRACES_PATH
        ? 'traces'
        : path === OTLP_HTTP_LOGS_PATH && receiver.servesLogs
          ? 'logs'
          : undefined;
    if (signal === undefined) {
      const served = receiver.servesLogs
        ? `POST ${OTLP_HTTP_TRACES_PATH} and POST ${OTLP_HTTP_LOGS_PATH} are`
        : `only POST ${OTLP_HTTP_TRACES_PATH} is`;
      sendStatus(res, 404, `not found: ${served} served here`, 'json');
      return;
    }
    if (req.method !== 'POST') {
      sendStatus(res, 405, `method ${req.method ?? ''} not allowed; use POST`, 'json', { allow: 'POST' });
      return;
    }
    const encoding = CONTENT_TYPES[mediaType(req.headers['content-type'])];
    if (encoding === undefined) {
      sendStatus(
        res,
        415,
        `unsupported content type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`,
        'json',
      );
      return;
    }
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      sendStatus(res, 415, `unsupported content encoding "${contentEncoding}"; use gzip or none`, encoding);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limits.maxRequestBytes) {
      // Refuse without buffering, but drain the upload so the client receives the 413.
      answerAfterDraining(req, 4 * limits.maxRequestBytes, () =>
        sendStatus(
          res,
          413,
          `request body of ${declared} bytes exceeds ${limits.maxRequestBytes} bytes (the limit)`,
          encoding,
        ),
      );
      return;
    }
    receiver
      .admit(async () => {
        const raw = await readBody(req, limits.maxRequestBytes);
        const body = contentEncoding === 'gzip' ? await gunzipBounded(raw, limits.maxDecompressedBytes) : raw;
        return signal === 'traces'
          ? encodeTraceResponse(await receiver.exportTraces(body, encoding), encoding)
          : encodeLogsResponse(await receiver.exportLogs(body, encoding), encoding);
      })
      .then(
        (response) => {
          send(res, 200, response, {
            'content-type': RESPONSE_CONTENT_TYPE[encoding],
          });
        },
        (error: unknown) => {
          const status = refusalStatus(error, limits.retryAfterSeconds);
          if (status.httpStatus >= 500 && status.httpStatus !== 503) {
            logger.error('otlp/http: request failed', { error });
          } else {
            logger.warn('otlp/http: request refused', { status: status.httpStatus, reason: status.message });
          }
          const headers: Record<string, string> = {};
          if (status.retryAfterSeconds !== undefined)
            headers['retry-after'] = String(status.retryAfterSeconds);
          const body = encodeRpcStatus(
            { code: status.grpcCode, message: status.message, retryAfterSeconds: status.retryAfterSeconds },
            encoding,
          );
          // Whatever the client is still sending is read and dropped first, so it gets this answer.
          answerAfterDraining(req, 4 * limits.maxRequestBytes, () =>
            send(res, status.httpStatus, body, {
              ...headers,
              'content-type': RESPONSE_CONTENT_TYPE[encoding],
            }),
          );
        },
      );
  };
}

/** Where to listen. */
export interface OtlpHttpServerOptions {
  /** Defaults to 127.0.0.1: exposing the receiver is a deliberate choice. */
  readonly host?: string;
  /** Defaults to 4318 (OTLP/HTTP); 0 picks a free port. */
  readonly port?: number;
  readonly logger?: ReceiverLogger;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10 s. */
  readonly closeTimeoutMs?: number;
}

/** A running OTLP/HTTP server. */
export interface OtlpHttpServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:4318`; endpoints are `${url}/v1/traces` and `${url}/v1/logs`. */
  readonly url: string;
  /** Stops accepting connections, waits for in-flight requests, then closes every connection. */
  close(): Promise<void>;
}

/** Starts the OTLP/HTTP server on top of a receiver core. */
export async function startOtlpHttpServer(
  receiver: OtlpReceiver,
  options: OtlpHttpServerOptions = {},
): Promise<OtlpHttpServer> {
  const host = options.host ?? '127.0.0.1';
  const listener = createOtlpHttpListener(receiver, options.logger);
  const active = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const finished = new Promise<void>((resolve) => res.once('close', resolve));
    active.add(finished);
    void finished.then(() => active.delete(finished));
    listener(req, res);
  });
  // Bounds slow-loris bodies; the OTel SDK exporters time out after 10 s by default.
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timeout = new Promise<void>((resolve) =>
          setTimeout(resolve, options.closeTimeoutMs ?? 10_000).unref(),
        );
        await Promise.race([Promise.allSettled([...active]), timeout]);
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
