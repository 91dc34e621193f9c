import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { runRagAgent } from '../../examples/rag-agent/run-rag-agent.js';
import { addKeyToFile } from '../cli/create-key.js';
import { serveConfigSchema } from '../cli/serve-config.js';
import { runVerifyCommand } from '../integrity/verify-command.js';
import { type RunningServer, startServer } from './start-server.js';

let dir: string;
let token: string;
let server: RunningServer;
let rag: Awaited<ReturnType<typeof runRagAgent>>;

const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
const get = (path: string) =>
  fetch(`${server.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-integrity-'));
  const authFile = join(dir, 'keys.json');
  token = addKeyToFile(authFile, { id: 'eng', role: 'engineering' });
  server = await startServer(
    serveConfigSchema.parse({
      dataDir: join(dir, 'data'),
      authFile,
      otlpGrpcPort: 0,
      otlpHttpPort: 0,
      apiPort: 0,
      settleSeconds: 0,
    }),
  );
  const fake = await startFakeOpenAi();
  try {
    rag = await runRagAgent({
      openaiBaseURL: fake.baseURL,
      question: 'Can I repay early?',
      otlpUrl: `${server.otlpHttpUrl}/v1/traces`,
    });
  } finally {
    await fake.close();
  }
  // The background tick may have archived the run already; the tests below check the archived state.
  await server.finaliseNow(0);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve wires the integrity log', () => {
  it('signs a checkpoint over the finalised bundles and serves the verifier key', async () => {
    const checkpoint = await (await get('/lineage/log/checkpoint')).text();
    expect(checkpoint).toMatch(/^agent-lineage\.local\/log\n[1-9]\d*\n[A-Za-z0-9+/=]{44}\n\n— /);
    expect((await (await get('/lineage/log/key')).text()).trim()).toBe(server.logVerifierKey);
  });

  it('verifies a run end to end through the API', async () => {
    const res = await get(`/lineage/runs/${rag.runId}/verify`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ runId: rag.runId, verified: true });
  });

  it('the offline verifier accepts the archive, the log and an output attestation', async () => {
    const attestation = await get(`/lineage/outputs/${rag.outputSha256}/attestation?runId=${rag.runId}`);
    expect(attestation.status).toBe(200);
    const attestationFile = join(dir, 'attestation.json');
    await writeFile(attestationFile, await attestation.text());
    const data = join(dir, 'data');
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: quiet };
    const base = ['--key', join(data, 'log-verifier.pub'), '--no-progress'];
    expect(
      await runVerifyCommand(
        [...base, '--log', join(data, 'ledger.db'), '--archive', join(data, 'archive')],
        io,
      ),
      out.join(''),
    ).toBe(0);
    expect(
      await runVerifyCommand(
        [...base, '--attestation', attestationFile, '--output-hash', rag.outputSha256],
        io,
      ),
      out.join(''),
    ).toBe(0);
  });
});
