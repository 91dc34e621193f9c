import type { JsonLdNode, JsonLdValue } from './prov-document.js';

/** Identity of a value for de-duplication and its order among a property's values. */
function sortKey(value: JsonLdValue): string {
  return typeof value === 'object'
    ? `${value['@type']}\u0000${value['@value']}`
    : `${typeof value}\u0000${value}`;
}

/**
 * The values of one property. Almost every property has one value, so the first is held
 * as is; the keyed map (by {@link sortKey}) exists only once a second, distinct value
 * arrives. A bundle has thousands of statements, and this is most of its mapping cost.
 */
interface Slot {
  readonly first: JsonLdValue;
  more: Map<string, JsonLdValue> | undefined;
}

/** Same identity as {@link sortKey} equality, without building the keys for primitives. */
function sameValue(a: JsonLdValue, b: JsonLdValue): boolean {
  if (typeof a !== 'object' && typeof b !== 'object') return typeof a === typeof b && String(a) === String(b);
  return sortKey(a) === sortKey(b);
}

/**
 * Accumulates JSON-LD node objects by IRI, merging repeated statements. The output is
 * deterministic (nodes sorted by `@id`, multi-values sorted and de-duplicated) because
 * JCS canonicalisation sorts object keys but not arrays, and the bundle hash must not
 * depend on the order in which the store returned records.
 */
export class GraphBuilder {
  readonly #nodes = new Map<string, Map<string, Slot>>();

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
    if (node === undefined) {
      node = new Map();
      this.#nodes.set(iri, node);
    }
    const slot = node.get(property);
    if (slot === undefined) {
      node.set(property, { first: value, more: undefined });
      return;
    }
    if (slot.more === undefined) {
      if (sameValue(slot.first, value)) return;
      slot.more = new Map([[sortKey(slot.first), slot.first]]);
    }
    slot.more.set(sortKey(value), value);
  }

  /** The node objects, sorted by `@id`, with single values unwrapped. */
  build(): JsonLdNode[] {
    const out: JsonLdNode[] = [];
    for (const iri of [...this.#nodes.keys()].sort()) {
      const node: Record<string, JsonLdValue | JsonLdValue[]> = { '@id': iri };
      const props = this.#nodes.get(iri)!;
      for (const property of [...props.keys()].sort()) {
        const { first, more } = props.get(property)!;
        node[property] = more === undefined ? first : [...more.keys()].sort().map((k) => more.get(k)!);
      }
      out.push(node as JsonLdNode);
    }
    return out;
  }
}
