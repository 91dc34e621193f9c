import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_LINEAGE_AGENT_VERSION,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_RUN_ACTOR,
  ATTR_LINEAGE_RUN_ENVIRONMENT,
  ATTR_LINEAGE_RUN_PARENT_ID,
  ATTR_LINEAGE_RUN_TRIGGER,
} from '../../semconv/index.js';
import type { SpanDialect } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { readStr } from './attr-read.js';
import { hashContent } from './hashed-content.js';
import type { RunFact } from './span-facts.js';

/** The resource's service name, unless it is the SDK's `unknown_service:*` placeholder. */
function serviceName(resource: SpanView['resource']): string | undefined {
  const name = readStr(resource, 'service.name');
  return name === undefined || name.startsWith('unknown_service') ? undefined : name;
}

/**
 * What a run span (ours, or the root of a foreign trace) says about the run. Only our
 * SDK's `lineage.run.actor` is read as the actor: it is already pseudonymised. Foreign
 * user ids (`user.id`, `enduser.id`) are raw personal data and are never read.
 */
export function readRunFact(view: SpanView, dialect: SpanDialect): RunFact {
  const a = view.attributes;
  const r = view.resource;
  const agentName =
    readStr(a, ATTR_GEN_AI_AGENT_NAME) ??
    readStr(a, 'agent.name') ??
    readStr(a, 'traceloop.workflow.name') ??
    readStr(a, 'traceloop.entity.name') ??
    serviceName(r) ??
    (view.name !== '' ? view.name : undefined);
  // A foreign root's own output (OpenInference output.value, Traceloop entity output) backs the inferred FinalOutput.
  const output =
    dialect === 'lineage'
      ? undefined
      : hashContent(
          a[ATTR_LINEAGE_OUTPUT_SHA256],
          readStr(a, 'output.value') ?? readStr(a, 'traceloop.entity.output'),
        );
  const fact: Record<string, unknown> = {
    agentName,
    agentId: readStr(a, ATTR_GEN_AI_AGENT_ID),
    agentVersion:
      readStr(a, ATTR_LINEAGE_AGENT_VERSION) ??
      readStr(a, 'gen_ai.agent.version') ??
      readStr(r, 'service.version'),
    environment:
      readStr(a, ATTR_LINEAGE_RUN_ENVIRONMENT) ??
      readStr(r, 'deployment.environment.name') ??
      readStr(r, 'deployment.environment'),
    trigger: readStr(a, ATTR_LINEAGE_RUN_TRIGGER),
    actor: dialect === 'lineage' ? readStr(a, ATTR_LINEAGE_RUN_ACTOR) : undefined,
    parentRunId: readStr(a, ATTR_LINEAGE_RUN_PARENT_ID),
    output,
  };
  for (const k of Object.keys(fact)) if (fact[k] === undefined) delete fact[k];
  return fact as RunFact;
}
