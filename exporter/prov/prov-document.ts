import type { PROV_CONTEXT } from './context.js';

/** A JSON-LD value as written in a bundle: a literal, an IRI string (for `@id`-typed terms) or a typed value. */
export type JsonLdValue = string | number | boolean | { readonly '@value': string; readonly '@type': string };

/** One node object inside the bundle's `@graph`. */
export interface JsonLdNode {
  readonly '@id': string;
  readonly '@type'?: string | readonly string[];
  readonly [property: string]: JsonLdValue | readonly JsonLdValue[] | readonly string[] | undefined;
}

/**
 * One run's archive document: a `prov:Bundle` whose `@graph` is the bundle's named graph.
 * Properties beside `@graph` describe the bundle itself (default graph).
 */
export interface ProvBundleDocument {
  readonly '@context': typeof PROV_CONTEXT;
  readonly '@id': string;
  /** A bundle is an entity (PROV-DM 5.4.1); stating both lets tools without RDFS reasoning see it. */
  readonly '@type': readonly ['prov:Bundle', 'prov:Entity'];
  readonly 'lin:contextVersion': string;
  readonly 'lin:runId': string;
  readonly 'lin:sequence': number;
  readonly 'lin:danglingLinks': number;
  readonly 'lin:contentIncluded': boolean;
  readonly 'prov:generatedAtTime': string;
  /** Main bundle IRI; present on supplementary bundles (sequence > 0) only. */
  readonly 'lin:supplements'?: string;
  readonly '@graph': readonly JsonLdNode[];
}

/** Options of {@link runGraphToProvBundle}. */
export interface ProvBundleOptions {
  /** Copy captured content (`content` props) into the bundle. Off by default upstream; hashes are always written. */
  readonly includeContent: boolean;
  /** 0 for the main bundle, n > 0 for supplementary bundle n holding late records only. */
  readonly sequence: number;
  /** When the bundle was generated (epoch ms); becomes the bundle's prov:generatedAtTime. */
  readonly generatedAtMs: number;
}
