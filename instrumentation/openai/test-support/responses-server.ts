import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  countTokens,
  decideAnswer,
  type FakeChatMessage,
  type FakeTool,
  resolveModelVersion,
} from '../../../examples/fake-openai/responses.js';

/** A running fake of the OpenAI Responses API (`POST /v1/responses`), built on the fake model's policy. */
export interface FakeResponsesServer {
  /** Base URL for the OpenAI client. */
  readonly baseURL: string;
  close(): Promise<void>;
}

type Item = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => (typeof (p as Item)?.text === 'string' ? String((p as Item).text) : ''))
    .join('');
}

/** Responses input as chat messages, so the fake model's policy decides the answer. */
function toMessages(input: unknown, instructions: unknown): FakeChatMessage[] {
  const messages: FakeChatMessage[] = [];
  if (typeof instructions === 'string') messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') return [...messages, { role: 'user', content: input }];
  for (const raw of Array.isArray(input) ? input : []) {
    const item = raw as Item;
    if (item.type === 'function_call_output') messages.push({ role: 'tool', content: String(item.output) });
    else if (typeof item.role === 'string') messages.push({ role: item.role, content: textOf(item.content) });
  }
  return messages;
}

function toTools(tools: unknown): FakeTool[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  return tools.map((t: unknown) => ({ type: 'function', function: { name: String((t as Item).name) } }));
}

function buildResponse(body: Item): Item {
  const messages = toMessages(body.input, body.instructions);
  const answer = decideAnswer(messages, toTools(body.tools));
  const output =
    answer.kind === 'text'
      ? [
          {
            type: 'message',
            id: 'msg_fake_1',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: answer.text, annotations: [] }],
          },
        ]
      : answer.calls.map((c, i) => ({
          type: 'function_call',
          id: `fc_fake_${i}`,
          call_id: c.id,
          name: c.name,
          arguments: c.arguments,
          status: 'completed',
        }));
  const prompt = messages.map((m) => textOf(m.content)).join('\n');
  const completion = answer.kind === 'text' ? answer.text : answer.calls.map((c) => c.arguments).join('');
  const input_tokens = countTokens(prompt);
  const output_tokens = countTokens(completion);
  return {
    id: 'resp_fake_1',
    object: 'response',
    created_at: 1_767_225_600,
    status: 'completed',
    model: resolveModelVersion(String(body.model)),
    output,
    usage: { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens },
  };
}

function stream(res: ServerResponse, response: Item): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  const send = (event: Item) =>
    res.write(
      `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: seq++ })}\n\n`,
    );
  send({ type: 'response.created', response: { ...response, status: 'in_progress', output: [] } });
  for (const item of response.output as Item[]) {
    const text = item.type === 'message' ? textOf(item.content) : '';
    for (const piece of text.match(/.{1,12}/gs) ?? []) {
      send({
        type: 'response.output_text.delta',
        item_id: item.id,
        output_index: 0,
        content_index: 0,
        delta: piece,
      });
    }
    send({ type: 'response.output_item.done', output_index: 0, item });
  }
  send({ type: 'response.completed', response });
  res.end();
}

async function readJson(req: IncomingMessage): Promise<Item> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Item;
}

/** Starts the fake on 127.0.0.1 (port 0). Deterministic: equal requests get equal answers. */
export async function startFakeResponses(): Promise<FakeResponsesServer> {
  const server: Server = createServer((req, res) => {
    readJson(req)
      .then((body) => {
        if (!(req.url ?? '').endsWith('/responses') || typeof body.model !== 'string') {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'bad request', type: 'invalid_request_error' } }));
          return;
        }
        const response = buildResponse(body);
        if (body.stream === true) return stream(res, response);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response));
      })
      .catch(() => {
        res.writeHead(400);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
