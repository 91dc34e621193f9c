/**
 * Our own versioned JSON-LD context for PROV-O archive bundles. There is no
 * W3C-endorsed PROV JSON-LD context, so every bundle carries this one inline: an
 * archived document must stay interpretable without fetching anything, decades later.
 * Changing a term's meaning requires a new version (new `lin:` namespace IRI).
 */

/** Version of the context and of the `lin:` vocabulary. */
export const PROV_CONTEXT_VERSION = '0.1' as const;

/** W3C PROV namespace. */
export const PROV_NS = 'http://www.w3.org/ns/prov#' as const;

/** XML Schema datatypes namespace. */
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema#' as const;

/** Our lineage vocabulary namespace (versioned). */
export const LIN_NS = 'https://agent-lineage.dev/ns/lineage/0.1#' as const;

/** Base IRI of identifiers minted for archived nodes, agents, bundles and qualified influences. */
export const LIN_ID_BASE = 'https://agent-lineage.dev/id/' as const;

const id = { '@type': '@id' } as const;
const dateTime = { '@type': 'xsd:dateTime' } as const;

/**
 * The inline `@context`. Object properties are typed `@id` so their string values are
 * IRIs; time properties are typed `xsd:dateTime` so their string values are typed literals.
 * Keys are the compact IRIs used in the documents, so a reader sees `prov:used` etc.
 */
export const PROV_CONTEXT = {
  prov: PROV_NS,
  xsd: XSD_NS,
  lin: LIN_NS,
  // PROV-DM identifiers are qualified names: a prefix for our minted IRIs lets PROV
  // tooling (e.g. python prov) name bundles and records without inventing prefixes.
  linid: LIN_ID_BASE,
  'prov:used': id,
  'prov:wasGeneratedBy': id,
  'prov:wasDerivedFrom': id,
  'prov:wasRevisionOf': id,
  'prov:wasInformedBy': id,
  'prov:wasStartedBy': id,
  'prov:wasAssociatedWith': id,
  'prov:wasAttributedTo': id,
  'prov:wasInfluencedBy': id,
  'prov:actedOnBehalfOf': id,
  'prov:qualifiedUsage': id,
  'prov:qualifiedGeneration': id,
  'prov:qualifiedDerivation': id,
  'prov:qualifiedRevision': id,
  'prov:qualifiedCommunication': id,
  'prov:qualifiedStart': id,
  'prov:qualifiedAssociation': id,
  'prov:qualifiedInfluence': id,
  'prov:entity': id,
  'prov:activity': id,
  'prov:agent': id,
  'prov:hadActivity': id,
  'prov:hadRole': id,
  'prov:influencer': id,
  'prov:atTime': dateTime,
  'prov:startedAtTime': dateTime,
  'prov:endedAtTime': dateTime,
  'prov:generatedAtTime': dateTime,
  'lin:supplements': id,
  'lin:partOfRun': id,
  'lin:outputOfRun': id,
  'lin:spanStartTime': dateTime,
  'lin:spanEndTime': dateTime,
  'lin:effectiveTime': dateTime,
  'lin:firstTokenTime': dateTime,
  'lin:ingestedAt': dateTime,
} as const;
