/**
 * `npm run demo`: agent-lineage on embedded defaults in one command.
 *
 * Starts `serve` (OTLP receiver + Lineage API + SQLite + filesystem archive) in ./.lineage,
 * creates a development API key, runs the example agents against the bundled fake
 * OpenAI-compatible model (deterministic, no network), archives their runs and prints
 * ready-to-paste curl commands. Keeps serving until Ctrl-C; `--once` exits after printing.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addKeyToFile } from '../service/cli/create-key.js';
import { resolveServeConfig } from '../service/cli/serve-config.js';
import { startServer } from '../service/server/start-server.js';
import { startFakeOpenAi } from './fake-openai/server.js';
import { runLangChainAgent } from './langchain-agent/langchain-agent.js';
import { runMultiAgent } from './multi-agent/run-multi-agent.js';
import { runRagAgent } from './rag-agent/run-rag-agent.js';

const { values } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: './.lineage' },
    'api-port': { type: 'string', default: process.env.LINEAGE_API_PORT ?? '8080' },
    'otlp-http-port': { type: 'string', default: process.env.LINEAGE_OTLP_HTTP_PORT ?? '4318' },
    'otlp-grpc-port': { type: 'string', default: process.env.LINEAGE_OTLP_GRPC_PORT ?? '4317' },
  },
});

const dataDir = resolve(values['data-dir']);
const authFile = join(dataDir, 'dev-keys.json');
// A fresh development key every demo run; the old one is discarded with its file.
if (existsSync(authFile)) rmSync(authFile);
const step = (text: string) => console.log(`\n▸ ${text}`);

step(`creating a development API key in ${authFile}`);
await mkdir(dataDir, { recursive: true });
const token = addKeyToFile(authFile, { id: 'demo-engineering', role: 'engineering' });

step('starting agent-lineage serve on embedded defaults');
const config = resolveServeConfig(
  {
    'data-dir': dataDir,
    auth: authFile,
    'api-port': values['api-port'],
    'otlp-http-port': values['otlp-http-port'],
    'otlp-grpc-port': values['otlp-grpc-port'],
    'settle-seconds': '2',
  },
  {},
);
const server = await startServer(config, { log: (line) => console.log(`  ${line}`) });
const fake = await startFakeOpenAi();
console.log(`  fake OpenAI-compatible model at ${fake.baseURL}`);

try {
  step('running the example agents (real openai client → fake model; spans → OTLP/HTTP → agent-lineage)');
  const otlpUrl = `${server.otlpHttpUrl}/v1/traces`;
  const rag = await runRagAgent({
    openaiBaseURL: fake.baseURL,
    otlpUrl,
    question: 'Can I repay my personal loan early?',
  });
  console.log(`  RAG agent          run ${rag.runId}  output sha256 ${rag.outputSha256}`);
  const multi = await runMultiAgent({ openaiBaseURL: fake.baseURL, otlpUrl });
  console.log(`  multi-agent system run ${multi.runId}  output sha256 ${multi.outputSha256}`);
  console.log(`                     sub-agent runs ${multi.childRunIds.join(', ')}`);
  const chain = await runLangChainAgent({
    openaiBaseURL: fake.baseURL,
    otlpUrl,
    question: 'Where is order 1042?',
  });
  console.log(`  LangChain agent    run ${chain.runId}  output sha256 ${chain.outputSha256}`);

  step('archiving the settled runs as PROV-O bundles');
  const archived = await server.finaliseNow(0);
  console.log(`  ${archived} run bundle(s) written to ${join(dataDir, 'archive')}`);

  const api = server.apiUrl;
  const auth = `-H "Authorization: Bearer ${token}"`;
  const today = new Date().toISOString().slice(0, 10);
  step('ask lineage questions (copy and paste):');
  console.log(`
  export LINEAGE_TOKEN=${token}

  # a run's DAG as W3C PROV-O JSON-LD, and as plain nodes/edges
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} ${api}/lineage/runs/${multi.runId}
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} '${api}/lineage/runs/${multi.runId}?format=graph'

  # every data source behind the orchestrator's final output (reaches the sub-agents' sources)
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} ${api}/lineage/outputs/${multi.outputSha256}/sources

  # runs that used a model version, and every output a data source contributed to
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} '${api}/lineage/models/gpt-4o-2024-08-06/runs?from=${today}T00:00:00Z&limit=10'
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} '${api}/lineage/datasources/${encodeURIComponent(rag.retrievedSourceIds[0] ?? 'unknown')}/outputs?limit=10'

  # an audit report (PDF with the PROV-O JSON-LD attached)
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} -H 'content-type: application/json' \\
    -d '{"runIds":["${rag.runId}","${multi.runId}","${chain.runId}"]}' -o audit-report.pdf ${api}/lineage/audit-report

  # tamper evidence: signed log checkpoint, a run's verification, a signed output attestation
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} ${api}/lineage/log/checkpoint
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} ${api}/lineage/runs/${rag.runId}/verify
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} '${api}/lineage/outputs/${rag.outputSha256}/attestation?runId=${rag.runId}'
  # offline, without the server:
  #   npx agent-lineage verify --key ${join(dataDir, 'log-verifier.pub')} --log ${join(dataDir, 'ledger.db')} --archive ${join(dataDir, 'archive')}

  # health, readiness and Prometheus metrics
  curl -s ${api}/healthz; curl -s ${api}/readyz
  curl -s ${auth.replace(token, '$LINEAGE_TOKEN')} ${api}/metrics
`);
} catch (error) {
  console.error('\ndemo failed:', error);
  process.exitCode = 1;
}

await fake.close();
if (values.once || process.exitCode) {
  await server.close();
} else {
  console.log('agent-lineage keeps serving; press Ctrl-C to stop.');
  const stop = () => {
    console.log('\nstopping…');
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
