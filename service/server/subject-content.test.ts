import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configureLineage,
  pseudonymize,
  recordModelInvocation,
  recordOutput,
  resetLineageConfig,
  startRun,
} from '../../src/index.js';
import { addKeyToFile } from '../cli/create-key.js';
import { serveConfigSchema } from '../cli/serve-config.js';
import { type RunningServer, startServer } from './start-server.js';

const KEY = 'subject-content-test-key-0123456789';
const SECRET = 'Dear Alice, your loan of 12,000 EUR is approved.';
let dir: string;
let server: RunningServer;
let provider: BasicTracerProvider;
let engineering: string;
let compliance: string;
let runId: string;

const get = async (token: string, path: string) => {
  const res = await fetch(`${server.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBe(200);
  return res.json() as Promise<{ nodes: { kind: string; props: Record<string, unknown> }[] }>;
};
const outputOf = async (token: string) =>
  (await get(token, `/lineage/runs/${runId}?format=graph`)).nodes.find((n) => n.kind === 'FinalOutput')!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-subject-'));
  const authFile = join(dir, 'keys.json');
  engineering = addKeyToFile(authFile, { id: 'eng', role: 'engineering' });
  compliance = addKeyToFile(authFile, { id: 'dpo', role: 'compliance' });
  server = await startServer(
    serveConfigSchema.parse({
      dataDir: join(dir, 'data'),
      authFile,
      otlpGrpcPort: 0,
      otlpHttpPort: 0,
      apiPort: 0,
      settleSeconds: 0,
      captureContent: true,
    }),
  );
  provider = new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${server.otlpHttpUrl}/v1/traces` })),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  configureLineage({ tracerProvider: provider, pseudonymKey: KEY, captureContent: true });
  runId = await startRun({ agentName: 'loans', agentId: 'loans' }, async () => {
    const answer = await recordModelInvocation(
      { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'user', content: 'loan?' }] },
      async () => ({
        model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content: SECRET }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 12 },
      }),
    );
    recordOutput({
      content: answer.choices[0]!.message.content,
      channel: 'email',
      recipient: 'alice@example.com',
    });
    return trace.getActiveSpan()!.spanContext().traceId;
  });
  await provider.forceFlush();
  await server.finaliseNow(0);
}, 60_000);

afterAll(async () => {
  await provider?.shutdown();
  context.disable();
  propagation.disable();
  trace.disable();
  resetLineageConfig();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('captured content tied to a data subject', () => {
  it('engineering reads it in clear; compliance never sees it; the recipient is only a surrogate', async () => {
    const forEngineering = await outputOf(engineering);
    expect(forEngineering.props.content).toBe(SECRET);
    expect(String(forEngineering.props.recipient)).toMatch(/^surrogate:/);
    expect((await outputOf(compliance)).props.content).toBeUndefined();
  });

  it('is stored encrypted: the database file never holds the text or the pseudonym', () => {
    const db = readFileSync(join(dir, 'data', 'lineage.db'));
    const wal = readFileSync(join(dir, 'data', 'lineage.db-wal'));
    for (const file of [db, wal]) {
      expect(file.includes(Buffer.from('your loan of 12,000 EUR'))).toBe(false);
      expect(file.includes(Buffer.from(pseudonymize('alice@example.com', KEY)!))).toBe(false);
    }
  });

  it('after erasure nobody can read it, while the graph and its proofs stay intact', async () => {
    const pseudonym = pseudonymize('alice@example.com', KEY)!;
    const erase = await fetch(`${server.apiUrl}/lineage/subjects/${encodeURIComponent(pseudonym)}/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${compliance}` },
    });
    expect(erase.status).toBe(200);
    expect((await outputOf(engineering)).props.content).toBe('[erased]');
    const verify = await fetch(`${server.apiUrl}/lineage/runs/${runId}/verify`, {
      headers: { authorization: `Bearer ${engineering}` },
    });
    expect(await verify.json()).toMatchObject({ verified: true });
  });
});
