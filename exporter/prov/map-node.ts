import type { LineageNode, PropValue } from '../model/lineage-record.js';
import { PROV_CONTEXT } from './context.js';
import type { GraphBuilder } from './graph-builder.js';
import { actorIri, agentIri, modelIri, nodeIri } from './iri.js';
import { isActivityKind, provTypesOf } from './node-kind.js';
import { parseTimeProp, toDateTime } from './xsd.js';

/** Props with their own treatment: never copied as plain `lin:{key}` literals. */
const SPECIAL_PROPS = new Set(['content', 'actor', 'firstTokenTimeMs', 'ingestedAt']);
/**
 * Terms the mapping writes itself or the context types (`@id`, `xsd:dateTime`): a prop of
 * the same name must neither merge into them nor have its string read as an IRI or time.
 */
const RESERVED_TERMS = new Set([
  'nodeId',
  'runId',
  'spanId',
  'inferred',
  'sha256',
  'describedElsewhere',
  'ingestedAtText',
  ...Object.keys(PROV_CONTEXT)
    .filter((k) => k.startsWith('lin:'))
    .map((k) => k.slice(4)),
]);

/**
 * `lin:` term for a prop key. Keys come from our own mapping, but a key with characters
 * that JSON-LD would read as an IRI or keyword (`:`, `@`, `/`) must not change meaning,
 * so anything outside `[A-Za-z0-9_]` is escaped as `_xHH_`.
 */
function propTerm(key: string): string {
  let term = propTerms.get(key);
  if (term === undefined) {
    const safe = key.replace(/[^A-Za-z0-9_]/g, (c) => `_x${c.codePointAt(0)!.toString(16)}_`);
    const local = /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`;
    term = RESERVED_TERMS.has(local) ? `lin:prop_${local}` : `lin:${local}`;
    // Keys come from a small set (the mapping's own prop names); the bound keeps odd ones from piling up.
    if (propTerms.size >= MAX_CACHED_PROP_TERMS) propTerms.clear();
    propTerms.set(key, term);
  }
  return term;
}

const MAX_CACHED_PROP_TERMS = 1024;
const propTerms = new Map<string, string>();

function addProp(b: GraphBuilder, iri: string, key: string, value: PropValue): void {
  if (value === null) return;
  const term = propTerm(key);
  if (typeof value === 'string' || typeof value === 'boolean') b.add(iri, term, value);
  // JSON cannot carry NaN/Infinity; dropping them keeps the bundle serialisable.
  else if (typeof value === 'number') {
    if (Number.isFinite(value)) b.add(iri, term, value);
  } else for (const v of value) b.add(iri, term, v);
}

function str(value: PropValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Writes one lineage node as a PROV-O activity or entity, plus the agents it implies:
 * the agent software and the pseudonymous actor of a run, the model of an invocation.
 */
export function mapNode(b: GraphBuilder, node: LineageNode, includeContent: boolean): void {
  const iri = nodeIri(node.id);
  const activity = isActivityKind(node.kind);
  b.addType(iri, ...provTypesOf(node.kind));
  b.add(iri, 'lin:nodeId', node.id);
  b.add(iri, 'lin:runId', node.runId);
  b.add(iri, 'lin:spanId', node.spanId);
  b.add(iri, 'lin:inferred', node.inferred);
  if (node.sha256 !== undefined) b.add(iri, 'lin:sha256', node.sha256);

  const start = toDateTime(node.startTimeMs);
  const end = node.endTimeMs === undefined ? undefined : toDateTime(node.endTimeMs);
  // Entities have no start/end in PROV; their span times are kept under lin: terms rather
  // than prov:generatedAtTime, which would assert a generation instant we do not know.
  if (start !== undefined) b.add(iri, activity ? 'prov:startedAtTime' : 'lin:spanStartTime', start);
  if (end !== undefined) b.add(iri, activity ? 'prov:endedAtTime' : 'lin:spanEndTime', end);
  if (node.kind !== 'ExecutionRun') b.add(iri, 'lin:partOfRun', nodeIri(`run:${node.runId}`));
  // Lineage through a sub-agent goes from the spawning node to the child run's outputs
  // (DESIGN.md section 5); this names those outputs without a kind test in queries.
  if (node.kind === 'FinalOutput') b.add(iri, 'lin:outputOfRun', nodeIri(`run:${node.runId}`));

  const props = node.props;
  for (const [key, value] of Object.entries(props)) {
    if (!SPECIAL_PROPS.has(key)) addProp(b, iri, key, value);
  }
  if (includeContent && props.content !== undefined) addProp(b, iri, 'content', props.content);
  const first = props.firstTokenTimeMs;
  if (typeof first === 'number') {
    const t = toDateTime(first);
    if (t !== undefined) b.add(iri, 'lin:firstTokenTime', t);
  }
  const ingested = props.ingestedAt;
  if (typeof ingested === 'string' || typeof ingested === 'number') {
    const t = parseTimeProp(ingested);
    if (t !== undefined) b.add(iri, 'lin:ingestedAt', t);
    else b.add(iri, 'lin:ingestedAtText', String(ingested));
  }

  if (node.kind === 'ExecutionRun') mapRunAgents(b, iri, props);
  if (node.kind === 'ModelInvocation') mapModelAgent(b, iri, props);
}

/** IRI of the agent software a run's props name (agentId, else agentName, plus agentVersion). */
export function runAgentIri(props: LineageNode['props']): string | undefined {
  const agentId = str(props.agentId) ?? str(props.agentName);
  return agentId === undefined ? undefined : agentIri(agentId, str(props.agentVersion));
}

function mapRunAgents(b: GraphBuilder, runIri: string, props: LineageNode['props']): void {
  const agentId = str(props.agentId) ?? str(props.agentName);
  if (agentId !== undefined) {
    const version = str(props.agentVersion);
    const agent = agentIri(agentId, version);
    b.addType(agent, 'prov:SoftwareAgent', 'prov:Agent');
    b.add(agent, 'lin:agentId', agentId);
    if (version !== undefined) b.add(agent, 'lin:agentVersion', version);
    b.add(runIri, 'prov:wasAssociatedWith', agent);
  }
  // The actor is already a keyed pseudonym (DESIGN.md section 3); it is never a raw identifier.
  const actor = str(props.actor);
  if (actor !== undefined) {
    const a = actorIri(actor);
    b.addType(a, 'prov:Agent', 'lin:PseudonymousActor');
    b.add(a, 'lin:pseudonym', actor);
    b.add(runIri, 'prov:wasAssociatedWith', a);
  }
}

function mapModelAgent(b: GraphBuilder, miIri: string, props: LineageNode['props']): void {
  // The exact version is what an auditor needs; aliases are a fallback, flagged by lin:pinned.
  const model = str(props.modelVersion) ?? str(props.responseModel) ?? str(props.requestModel);
  if (model === undefined) return;
  const provider = str(props.provider) ?? 'unknown';
  const agent = modelIri(provider, model);
  b.addType(agent, 'prov:SoftwareAgent', 'prov:Agent', 'lin:Model');
  b.add(agent, 'lin:provider', provider);
  b.add(agent, 'lin:model', model);
  b.add(miIri, 'prov:wasAssociatedWith', agent);
}
