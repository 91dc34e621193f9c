import { wellFormed } from '../hashing/canonical-json.js';
import { LIN_ID_BASE } from './context.js';

/**
 * Percent-encodes one IRI path segment: everything outside `[A-Za-z0-9._:-]` (including
 * `%`, `~`, `/`, `?`, `#`, spaces, controls and non-ASCII) becomes `%XX` of its UTF-8 bytes.
 * Injective for well-formed strings, so distinct ids never share an IRI; `:` is kept
 * because node ids use it and it is a legal path character after the first segment.
 * Dot-only segments are fully escaped (IRI normalisation would remove `.`/`..`) and the
 * empty string becomes `~`, which no other input produces. A lone surrogate is encoded
 * as U+FFFD (TextEncoder), the only collision possible.
 */
export function encodeIriSegment(value: string): string {
  // Most node ids (hex trace/span ids joined by ':') need no escaping at all.
  if (ALL_UNRESERVED.test(value) && !DOTS_ONLY.test(value)) return value;
  const out = wellFormed(value) ? escapeNative(value) : escapeByCharacter(value);
  if (out === '') return '~';
  // A dot-only segment would be removed or resolved by IRI normalisation.
  return DOTS_ONLY.test(out) ? out.replaceAll('.', '%2E') : out;
}

const ALL_UNRESERVED = /^[A-Za-z0-9._:-]+$/;
const DOTS_ONLY = /^\.+$/;
const UNRESERVED = /^[A-Za-z0-9._:-]$/;
/** What encodeURIComponent leaves alone but a segment escapes. */
const KEPT_BY_URI_COMPONENT = /[!~*'()]/g;
const utf8 = new TextEncoder();

/**
 * encodeURIComponent escapes the same characters as UTF-8 upper-case `%XX`, except that it
 * escapes `:` (put back: every `%` in its output starts an escape, so `%3A` is always an
 * escaped colon) and keeps `!~*'()` (escaped here). Native, so edge ids — which all hold
 * a `>` — do not go through a per-character walk.
 */
function escapeNative(value: string): string {
  return encodeURIComponent(value)
    .replaceAll('%3A', ':')
    .replace(KEPT_BY_URI_COMPONENT, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The per-character definition; also what a lone surrogate (which encodeURIComponent rejects) goes through. */
export function escapeByCharacter(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** IRI of a lineage node, derived only from its deterministic node id (stable across bundles). */
export function nodeIri(nodeId: string): string {
  return `${LIN_ID_BASE}node/${encodeIriSegment(nodeId)}`;
}

/** IRI of a run's bundle; sequence 0 is the main bundle, n > 0 supplementary bundle n. */
export function bundleIri(runId: string, sequence: number): string {
  return `${LIN_ID_BASE}bundle/${encodeIriSegment(runId)}/${sequence}`;
}

/** IRI of a qualified influence minted for one lineage edge (plus an optional sub-part). */
export function edgeIri(edgeId: string, part?: string): string {
  const base = `${LIN_ID_BASE}edge/${encodeIriSegment(edgeId)}`;
  return part === undefined ? base : `${base}/${encodeIriSegment(part)}`;
}

/** IRI of the agent software (id and version), a prov:SoftwareAgent. */
export function agentIri(agentId: string, version?: string): string {
  const base = `${LIN_ID_BASE}agent/${encodeIriSegment(agentId)}`;
  return version === undefined ? base : `${base}/${encodeIriSegment(version)}`;
}

/** IRI of a model version, a prov:SoftwareAgent. */
export function modelIri(provider: string, model: string): string {
  return `${LIN_ID_BASE}model/${encodeIriSegment(provider)}/${encodeIriSegment(model)}`;
}

/** IRI of a pseudonymous actor (never a raw identifier: callers pass the pseudonym). */
export function actorIri(pseudonym: string): string {
  return `${LIN_ID_BASE}actor/${encodeIriSegment(pseudonym)}`;
}

/** IRI of a role in the `lin:` vocabulary namespace, e.g. `RetrievedData`. */
export function roleTerm(name: string): string {
  return `lin:${name}`;
}
