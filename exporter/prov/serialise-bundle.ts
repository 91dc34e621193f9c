import { canonicalJson } from '../hashing/canonical-json.js';
import type { ProvBundleDocument } from './prov-document.js';

const utf8 = new TextEncoder();

/**
 * Serialises a bundle as RFC 8785 (JCS) canonical JSON in UTF-8, so the archived bytes —
 * and therefore the bundle SHA-256 anchored in the integrity log — are reproducible from
 * the same document on any machine. JCS is valid JSON, hence valid JSON-LD.
 */
export function serialiseBundle(doc: ProvBundleDocument): Uint8Array {
  // The exporter's own JCS serialiser: same bytes as the `canonicalize` package (held equal
  // by tests) at about twice the speed, which finalisation throughput depends on.
  return utf8.encode(canonicalJson(doc));
}
