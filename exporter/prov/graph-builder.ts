import type { JsonLdNode, JsonLdValue } from './prov-document.js';

function sortKey(value: JsonLdValue): string {
  return typeof value === 'object'
    ? `${value['@type']}\u0000${value['@value']}`
    : `${typeof value}\u0000${value}`;
}

/**
 * Accumulates JSON-LD node objects by IRI, merging repeated statements. The output is
 * deterministic (nodes sorted by `@id`, multi-values sorted and de-duplicated) because
 * JCS canonicalisation sorts object keys but not arrays, and the bundle hash must not
 * depend on the order in which the store returned records.
 */
export class GraphBuilder {
  readonly #nodes = new Map<string, Map<string, Map<string, JsonLdValue>>>();

  /** True when a node with this IRI has been started. */
  has(iri: string): boolean {
    return this.#nodes.has(iri);
  }

  /** Adds rdf:type values (compact IRIs) to a node, creating it when needed. */
  addType(iri: string, ...types: readonly string[]): void {
    for (const t of types) this.add(iri, '@type', t);
  }

  /** Adds one value of a property; a repeated identical value is kept once. */
  add(iri: string, property: string, value: JsonLdValue): void {
    let node = this.#nodes.get(iri);
    if (!node) {
      node = new Map();
      this.#nodes.set(iri, node);
    }
    let values = node.get(property);
    if (!values) {
      values = new Map();
      node.set(property, values);
    }
    values.set(sortKey(value), value);
  }

  /** The node objects, sorted by `@id`, with single values unwrapped. */
  build(): JsonLdNode[] {
    const out: JsonLdNode[] = [];
    for (const iri of [...this.#nodes.keys()].sort()) {
      const node: Record<string, JsonLdValue | JsonLdValue[]> = { '@id': iri };
      const props = this.#nodes.get(iri)!;
      for (const property of [...props.keys()].sort()) {
        const values = props.get(property)!;
        const sorted = [...values.keys()].sort().map((k) => values.get(k)!);
        node[property] = sorted.length === 1 ? sorted[0]! : sorted;
      }
      out.push(node as JsonLdNode);
    }
    return out;
  }
}
