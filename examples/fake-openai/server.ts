import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  countTokens,
  decideAnswer,
  embed,
  type FakeAnswer,
  float32ToBase64,
  messageText,
  resolveModelVersion,
} from './responses.js';

const MAX_BODY = 4 * 1024 * 1024;

const chatSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.string() }).passthrough()).min(1),
  tools: z
    .array(z.object({ type: z.string(), function: z.object({ name: z.string() }).passthrough() }))
    .optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
});

const embeddingsSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(3072).optional(),
});

/** A running fake OpenAI-compatible server. */
export interface FakeOpenAiServer {
  /** Base URL for the OpenAI client, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseURL: string;
  /** Requests served, by path (tests assert on it). */
  readonly requests: { path: string; body: unknown }[];
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function completionId(model: string, answer: FakeAnswer): string {
  const seed = answer.kind === 'text' ? answer.text : answer.calls.map((c) => c.id).join(',');
  return `chatcmpl-${Buffer.from(`${model}|${seed}`).toString('base64url').slice(0, 24)}`;
}

function chatMessage(answer: FakeAnswer) {
  return answer.kind === 'text'
    ? { role: 'assistant', content: answer.text, refusal: null }
    : {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: answer.calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      };
}

function usageFor(promptText: string, answer: FakeAnswer) {
  const completion = answer.kind === 'text' ? answer.text : answer.calls.map((c) => c.arguments).join('');
  const prompt_tokens = countTokens(promptText);
  const completion_tokens = countTokens(completion);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function handleChat(body: z.infer<typeof chatSchema>, res: ServerResponse): void {
  const messages = body.messages as Parameters<typeof decideAnswer>[0];
  const answer = decideAnswer(messages, body.tools as Parameters<typeof decideAnswer>[1]);
  const model = resolveModelVersion(body.model);
  const id = completionId(model, answer);
  const created = 1_767_225_600; // fixed: deterministic output
  const usage = usageFor(messages.map((m) => messageText(m.content)).join('\n'), answer);
  const finish_reason = answer.kind === 'text' ? 'stop' : 'tool_calls';
  if (!body.stream) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, message: chatMessage(answer), logprobs: null, finish_reason }],
      usage,
    });
    return;
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }, null));
  if (answer.kind === 'text') {
    for (const piece of answer.text.match(/.{1,12}/gs) ?? []) res.write(chunk({ content: piece }, null));
  } else {
    answer.calls.forEach((c, index) => {
      res.write(
        chunk(
          { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] },
          null,
        ),
      );
      res.write(chunk({ tool_calls: [{ index, function: { arguments: c.arguments } }] }, null));
    });
  }
  res.write(chunk({}, finish_reason));
  if (body.stream_options?.include_usage) {
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
    );
  }
  res.end('data: [DONE]\n\n');
}

function handleEmbeddings(body: z.infer<typeof embeddingsSchema>, res: ServerResponse): void {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  const base64 = body.encoding_format !== 'float';
  const data = inputs.map((text, index) => {
    const vector = embed(text, body.dimensions ?? 16);
    return { object: 'embedding', index, embedding: base64 ? float32ToBase64(vector) : Array.from(vector) };
  });
  const prompt_tokens = inputs.reduce((n, t) => n + countTokens(t), 0);
  sendJson(res, 200, {
    object: 'list',
    data,
    model: resolveModelVersion(body.model),
    usage: { prompt_tokens, total_tokens: prompt_tokens },
  });
}

/**
 * Starts a deterministic OpenAI-compatible server on 127.0.0.1: chat completions
 * (plain, streaming, tool calls incl. parallel ones) and embeddings (base64
 * little-endian float32 by default, as the official client requests). No network.
 */
export async function startFakeOpenAi(options: { port?: number } = {}): Promise<FakeOpenAiServer> {
  const requests: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'POST') return sendError(res, 405, `${req.method} not allowed`);
    readJson(req)
      .then((body) => {
        requests.push({ path, body });
        if (path.endsWith('/chat/completions')) {
          const parsed = chatSchema.safeParse(body);
          if (!parsed.success) return sendError(res, 400, parsed.error.message);
          return handleChat(parsed.data, res);
        }
        if (path.endsWith('/embeddings')) {
          const parsed = embeddingsSchema.safeParse(body);
          if (!parsed.success) return sendError(res, 400, parsed.error.message);
          return handleEmbeddings(parsed.data, res);
        }
        return sendError(res, 404, `unknown path ${path}`);
      })
      .catch((error: unknown) => sendError(res, 400, error instanceof Error ? error.message : String(error)));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
