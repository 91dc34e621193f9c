#!/usr/bin/python3
"""Independent validity check of agent-lineage PROV-O JSON-LD bundles.

Run with the Debian interpreter (/usr/bin/python3) so the apt packages are visible:

    /usr/bin/python3 test/python/check_prov.py BUNDLE.jsonld [MORE.jsonld ...]

It parses every file with rdflib's JSON-LD parser into one dataset (so lineage can
cross runs: a parent bundle referencing a sub-agent's output plus the sub-agent's own
bundle), then

1. checks structure: every file holds exactly one prov:Bundle (also a prov:Entity) in the
   default graph whose named graph is non-empty; supplementary bundles link their main
   bundle with lin:supplements;
2. checks PROV typing (PROV-CONSTRAINTS section 6, typing): subjects/objects of used,
   wasGeneratedBy, wasDerivedFrom, wasRevisionOf, wasInformedBy, wasStartedBy,
   wasAssociatedWith have the PROV classes those relations require; every qualified
   influence restates an unqualified relation; every time literal is a well-formed
   xsd:dateTime; every lineage entity described here carries one lowercase-hex lin:sha256;
3. loads the dataset with the `prov` package (python3-prov) through its PROV-O (RDF)
   decoder into a ProvDocument with one ProvBundle per archived bundle, and re-serialises
   it as PROV-JSON and PROV-N (fails if prov cannot make sense of the records);
4. runs a SPARQL query (rdflib) that, from each FinalOutput entity, follows
   (prov:wasDerivedFrom|prov:wasGeneratedBy|prov:used|prov:wasInformedBy
    |(^prov:wasInformedBy|^prov:wasStartedBy)/^lin:outputOfRun)+
   to every lin:DataSource, and prints the result. The last alternative is the sub-agent
   hop of the lineage API (DESIGN.md section 5): from a node that spawned a child run
   (child prov:wasInformedBy node) to that run's FinalOutputs. prov:wasRevisionOf is not
   followed: a superseded draft's sources count only where they were used again.

Output: one JSON object on stdout: {"bundles": [...], "lineage": {outputNodeId: {...}},
"errors": [...]}. Exit status 0 when errors is empty, 1 otherwise, 2 on bad usage and
3 when rdflib or prov are not installed (the message names the apt packages).
"""

import json
import re
from datetime import datetime
import sys

try:
    import prov.model as pm
    from prov.serializers.provrdf import ProvRDFSerializer
    from rdflib import RDF, XSD, ConjunctiveGraph, Literal, Namespace, URIRef
except ImportError as exc:  # pragma: no cover - exercised by the TS test's message check
    sys.stderr.write(
        "check_prov.py needs the Debian packages python3-rdflib and python3-prov "
        "(apt-get install -y --no-install-recommends python3-prov python3-rdflib) "
        f"and must run under /usr/bin/python3: {exc}\n"
    )
    sys.exit(3)

PROV = Namespace("http://www.w3.org/ns/prov#")
LIN = Namespace("https://agent-lineage.dev/ns/lineage/0.1#")
SHA256 = re.compile(r"^[0-9a-f]{64}$")

# The query the lineage API's backward lineage is compared with.
LINEAGE_QUERY = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX lin: <https://agent-lineage.dev/ns/lineage/0.1#>
SELECT DISTINCT ?outId ?dsId ?dsSha WHERE {
  ?out a lin:FinalOutput ; lin:nodeId ?outId ; lin:sha256 ?outSha .
  ?out (prov:wasDerivedFrom|prov:wasGeneratedBy|prov:used|prov:wasInformedBy
        |(^prov:wasInformedBy|^prov:wasStartedBy)/^lin:outputOfRun)+ ?ds .
  ?ds a lin:DataSource ; lin:nodeId ?dsId .
  OPTIONAL { ?ds lin:sha256 ?dsSha }
}
"""

OUTPUTS_QUERY = """
PREFIX lin: <https://agent-lineage.dev/ns/lineage/0.1#>
SELECT DISTINCT ?outId ?outSha ?runId WHERE {
  ?out a lin:FinalOutput ; lin:nodeId ?outId ; lin:sha256 ?outSha ; lin:runId ?runId .
}
"""

# relation -> (class required of the subject, class required of the object)
TYPING = {
    PROV.used: (PROV.Activity, PROV.Entity),
    PROV.wasGeneratedBy: (PROV.Entity, PROV.Activity),
    PROV.wasDerivedFrom: (PROV.Entity, PROV.Entity),
    PROV.wasRevisionOf: (PROV.Entity, PROV.Entity),
    PROV.wasInformedBy: (PROV.Activity, PROV.Activity),
    PROV.wasStartedBy: (PROV.Activity, PROV.Entity),
    PROV.wasAssociatedWith: (PROV.Activity, PROV.Agent),
    PROV.wasAttributedTo: (PROV.Entity, PROV.Agent),
}

# property of a qualified influence -> class its object must have
INFLUENCE_OBJECT_TYPING = {
    PROV.hadActivity: PROV.Activity,
}

# qualifier -> (influence class, unqualified relation, object property on the influence)
QUALIFIED = {
    PROV.qualifiedUsage: (PROV.Usage, PROV.used, PROV.entity),
    PROV.qualifiedGeneration: (PROV.Generation, PROV.wasGeneratedBy, PROV.activity),
    PROV.qualifiedDerivation: (PROV.Derivation, PROV.wasDerivedFrom, PROV.entity),
    PROV.qualifiedRevision: (PROV.Revision, PROV.wasRevisionOf, PROV.entity),
    PROV.qualifiedCommunication: (PROV.Communication, PROV.wasInformedBy, PROV.activity),
}

AGENT_CLASSES = {PROV.Agent, PROV.SoftwareAgent, PROV.Person, PROV.Organization}
TIME_PREDICATES = {
    PROV.atTime,
    PROV.startedAtTime,
    PROV.endedAtTime,
    PROV.generatedAtTime,
    LIN.spanStartTime,
    LIN.spanEndTime,
    LIN.effectiveTime,
    LIN.firstTokenTime,
    LIN.ingestedAt,
}


def has_class(graph, node, cls):
    types = set(graph.objects(node, RDF.type))
    if cls == PROV.Agent:
        return bool(types & AGENT_CLASSES)
    return cls in types


def check_bundle(path, bundle, graph, errors):
    """Checks one bundle's named graph; `graph` is that named graph."""
    where = f"{path}: {bundle}"
    if len(graph) == 0:
        errors.append(f"{where}: named graph is empty")
    for pred, (subject_cls, object_cls) in TYPING.items():
        for s, o in graph.subject_objects(pred):
            if not has_class(graph, s, subject_cls):
                errors.append(f"{where}: subject of {pred} is not a {subject_cls}: {s}")
            if not has_class(graph, o, object_cls):
                errors.append(f"{where}: object of {pred} is not a {object_cls}: {o}")
    for qualifier, (cls, relation, object_prop) in QUALIFIED.items():
        for s, q in graph.subject_objects(qualifier):
            if (q, RDF.type, cls) not in graph:
                errors.append(f"{where}: {q} is not typed {cls}")
            targets = list(graph.objects(q, object_prop))
            if len(targets) != 1:
                errors.append(f"{where}: {q} needs exactly one {object_prop}, has {len(targets)}")
            for t in targets:
                if (s, relation, t) not in graph:
                    errors.append(f"{where}: qualified {q} without {relation} {s} -> {t}")
    for pred, cls in INFLUENCE_OBJECT_TYPING.items():
        for s, o in graph.subject_objects(pred):
            if not has_class(graph, o, cls):
                errors.append(f"{where}: object of {pred} is not a {cls}: {o}")
    for s, p, o in graph:
        if p in TIME_PREDICATES:
            if not isinstance(o, Literal) or o.datatype != XSD.dateTime or not isinstance(o.value, datetime):
                errors.append(f"{where}: {p} of {s} is not a valid xsd:dateTime: {o!r}")
    for cls in (LIN.DataSource, LIN.IntermediateArtifact, LIN.FinalOutput):
        for node in graph.subjects(RDF.type, cls):
            if (node, LIN.describedElsewhere, Literal(True)) in graph:
                continue
            hashes = [str(h) for h in graph.objects(node, LIN.sha256)]
            if len(hashes) != 1 or not SHA256.match(hashes[0]):
                errors.append(f"{where}: {node} needs one lowercase-hex lin:sha256, has {hashes}")
            if not has_class(graph, node, PROV.Entity):
                errors.append(f"{where}: {node} is not a prov:Entity")
    for s in graph.subjects(RDF.type, PROV.Activity):
        if has_class(graph, s, PROV.Entity):
            errors.append(f"{where}: {s} is both an Activity and an Entity")


def main(paths):
    if not paths:
        sys.stderr.write("usage: check_prov.py BUNDLE.jsonld [MORE.jsonld ...]\n")
        return 2
    errors = []
    source = ConjunctiveGraph()
    bundles = []
    for path in paths:
        single = ConjunctiveGraph()
        try:
            single.parse(path, format="json-ld")
        except Exception as exc:  # report, do not crash: the caller wants every finding
            errors.append(f"{path}: JSON-LD parse failed: {exc}")
            continue
        found = sorted(set(single.subjects(RDF.type, PROV.Bundle)))
        if len(found) != 1:
            errors.append(f"{path}: expected exactly one prov:Bundle, found {len(found)}")
        for bundle in found:
            if not has_class(single, bundle, PROV.Entity):
                errors.append(f"{path}: bundle {bundle} is not typed prov:Entity")
            graph = single.get_context(bundle)
            check_bundle(path, bundle, graph, errors)
            sequence = single.value(bundle, LIN.sequence)
            supplements = single.value(bundle, LIN.supplements)
            if sequence is not None and int(sequence) > 0 and supplements is None:
                errors.append(f"{path}: supplementary bundle {bundle} lacks lin:supplements")
            bundles.append(
                {
                    "file": path,
                    "iri": str(bundle),
                    "runId": str(single.value(bundle, LIN.runId)),
                    "sequence": None if sequence is None else int(sequence),
                    "supplements": None if supplements is None else str(supplements),
                    "triples": len(graph),
                }
            )
        for prefix, ns in single.namespaces():
            source.bind(prefix, ns, override=False)
        for quad in single.quads((None, None, None, None)):
            source.addN([quad])

    # rdflib names the default graph after the source file; prov's decoder treats every
    # URI-named graph as a bundle, so rebuild with a blank-node default graph.
    bundle_iris = {URIRef(b["iri"]) for b in bundles}
    dataset = ConjunctiveGraph()
    for prefix, ns in source.namespaces():
        dataset.bind(prefix, ns, override=False)
    for ctx in source.contexts():
        target = dataset.get_context(ctx.identifier) if ctx.identifier in bundle_iris else dataset.default_context
        for triple in ctx:
            target.add(triple)

    prov_summary = {}
    try:
        document = pm.ProvDocument()
        serializer = ProvRDFSerializer()
        serializer.document = document
        serializer.decode_document(dataset, document)
        prov_bundles = {str(b.identifier.uri): b for b in document.bundles}
        for iri in sorted(bundle_iris):
            b = prov_bundles.get(str(iri))
            if b is None:
                errors.append(f"prov: bundle {iri} not found in the ProvDocument")
                continue
            counts = {}
            for record in b.get_records():
                name = record.get_type().localpart
                counts[name] = counts.get(name, 0) + 1
            prov_summary[str(iri)] = counts
        # Both serialisations walk every record; they raise on anything prov cannot represent.
        document.serialize(format="json")
        document.get_provn()
    except Exception as exc:
        errors.append(f"prov: could not load the bundles as PROV: {type(exc).__name__}: {exc}")

    lineage = {}
    for row in dataset.query(OUTPUTS_QUERY):
        lineage[str(row.outId)] = {"sha256": str(row.outSha), "runId": str(row.runId), "sources": []}
    for row in dataset.query(LINEAGE_QUERY):
        entry = lineage.setdefault(str(row.outId), {"sha256": None, "runId": None, "sources": []})
        entry["sources"].append({"id": str(row.dsId), "sha256": None if row.dsSha is None else str(row.dsSha)})
    for entry in lineage.values():
        entry["sources"].sort(key=lambda s: s["id"])

    json.dump(
        {"bundles": bundles, "prov": prov_summary, "lineage": lineage, "errors": errors},
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    sys.stdout.write("\n")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
