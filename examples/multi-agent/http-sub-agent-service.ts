import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import type OpenAI from 'openai';
import { withExtractedContext } from '../../src/index.js';
import type { VectorIndex } from '../shared/vector-index.js';
import { runSubAgent, type SubAgentSpec } from './run-sub-agent.js';
import { subAgentRequestSchema } from './sub-agent-messages.js';

const MAX_BODY_BYTES = 64 * 1024;

/** A sub-agent served over HTTP (`POST /ask`), standing in for another service. */
export interface HttpSubAgentService {
  /** URL of the `POST /ask` endpoint. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a sub-agent as an HTTP service on 127.0.0.1 (port 0 by default). Each request is
 * handled inside the run context extracted from its W3C `traceparent` and `baggage`
 * headers, so the sub-agent's run is linked `spawned_by` the caller's tool span and names
 * the caller's run as its parent. Replies `{ runId, parentRunId, answer, outputSha256, retrievedSourceIds }`.
 */
export async function startHttpSubAgentService(options: {
  readonly client: OpenAI;
  readonly spec: SubAgentSpec;
  readonly index: VectorIndex;
  readonly port?: number;
}): Promise<HttpSubAgentService> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      diag.error(`${options.spec.name}: request failed`, error);
      if (!res.headersSent) sendJson(res, 500, { error: 'sub-agent failed' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/ask') return sendJson(res, 404, { error: 'POST /ask only' });
    const parsed = subAgentRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) return sendJson(res, 400, { error: parsed.error.message });
    const { question } = parsed.data;
    const reply = await withExtractedContext(req.headers, () =>
      runSubAgent(options.client, options.spec, options.index, question),
    );
    sendJson(res, 200, reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ask`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    // Not JSON: the schema check turns it into a 400.
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
