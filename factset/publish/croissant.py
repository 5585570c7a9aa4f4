"""An MLCommons Croissant 1.0 description of a release, with the Responsible AI (RAI)
vocabulary.

Every field of every record type and task view is described, lists included: a list of
values is a ``repeated`` field; a list of objects is a repeated field whose ``subField``s
are read from each item; an object's members are fields read with a ``jsonPath``. Fields
holding an id ``references`` the record set of that id (read off the models' id patterns),
so the record sets join as a relational schema. The task views are read from their split
files, with the split as a field. The RAI properties carry the same derived sentences as
the dataset card (:mod:`.describe`).
"""

from __future__ import annotations

import hashlib
import json
import typing
from typing import Any

from ..records import models
from .describe import (ANNOTATION_GUIDE, MAINTENANCE, OUT_OF_SCOPE, SOCIAL_IMPACT, USES, Content, agreement_summary,
                       annotations_per_item, annotators, biases, collection, coverage_rows, limitations, pct, personal,
                       publication_span, review_status)
from .features import features
from .identity import ANNOTATION_LICENSE_URL, HOMEPAGE, MODELS, SUBJECT, citation
from .release import FILES
from .tasks import TASKS

CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_CR_TYPES = {"string": "sc:Text", "int64": "sc:Integer", "float64": "sc:Float", "bool": "sc:Boolean", "date32": "sc:Date"}

# Which record set an id of each pattern names.
_ID_PATTERNS = {models.SOURCE_ID: "sources", models.ENTITY_ID: "entities", models.CLAIM_ID: "claims",
                models.EVIDENCE_ID: "evidence"}
# Which id fields declare a Croissant ``references``. mlcroissant (1.1) cannot load a
# dataset whose references form a cycle (a claim's relations name claims; its verdict names
# evidence, which names the claim), and at load time it joins a record set with the record
# set its fields reference, which fails when that one is itself joined to another. So: a
# field references only a record set earlier in REFERENCE_ORDER, and a top-level field only
# one of the LOOKUPS (which themselves reference nothing at their top level); fields inside
# lists may reference any earlier record set. Every other id field says in its description
# which record set it names.
REFERENCE_ORDER = ("entities", "sources", "claims", "evidence", "verification", "stance", "time_relations")
LOOKUPS = frozenset({"entities", "sources", "claims"})


def declares_reference(record_set: str, target: str, nested: bool) -> bool:
    if REFERENCE_ORDER.index(target) >= REFERENCE_ORDER.index(record_set):
        return False
    return nested or (target in LOOKUPS and record_set not in LOOKUPS)


# Ids in the task views (their rows are built, not models): field path -> record set.
TASK_REFERENCES = {
    "verification": {("id",): "claims", ("claimant_id",): "entities", ("source_id",): "sources",
                     ("passages", "evidence_id"): "evidence", ("passages", "source_id"): "sources",
                     ("passages", "speaker_id"): "entities"},
    "stance": {("id",): "evidence", ("claim_id",): "claims", ("claimant_id",): "entities", ("passage_source_id",): "sources"},
    "time_relations": {("claim_a_id",): "claims", ("claim_b_id",): "claims", ("claimant_a_id",): "entities",
                       ("claimant_b_id",): "entities"},
}


def _patterns(annotation) -> set[str]:
    """The string patterns declared anywhere in an annotation (``Annotated[str, Field(pattern=...)]``)."""
    found = set()
    for meta in getattr(annotation, "__metadata__", ()):
        found |= _patterns_of(meta)
    for arg in typing.get_args(annotation):
        if not isinstance(arg, (str, int)):
            found |= _patterns(arg)
    return found


def _patterns_of(meta) -> set[str]:
    pattern = getattr(meta, "pattern", None)
    found = {pattern} if isinstance(pattern, str) else set()
    for inner in getattr(meta, "metadata", ()):
        found |= _patterns_of(inner)
    return found


def model_references(model, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """Field path -> record set, for every field of ``model`` (nested models and lists
    included) that holds an id of another record (the record's own ``id`` aside)."""
    out = {}
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        if path == ("id",):
            continue
        patterns = _patterns(info.annotation) | {p for meta in info.metadata for p in _patterns_of(meta)}
        targets = {_ID_PATTERNS[p] for p in patterns if p in _ID_PATTERNS}
        if targets:
            out[path] = targets.pop()
        for inner in _models_in(info.annotation):
            out.update(model_references(inner, path))
    return out


def _models_in(annotation) -> list:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) if not isinstance(arg, (str, int)) for m in _models_in(arg)]


def _data_type(entry: dict) -> str:
    dtype = entry["dtype"]
    return "sc:Text" if isinstance(dtype, dict) else _CR_TYPES[dtype]  # a class label is stored by name


def _transforms(paths: list[tuple[str, ...]]) -> dict | list[dict] | None:
    steps = [{"jsonPath": ".".join(p)} for p in paths if p]
    return None if not steps else steps[0] if len(steps) == 1 else steps


class _Writer:
    """The Croissant fields of one record set."""

    def __init__(self, record_set: str, source: dict, references: dict[tuple[str, ...], str]):
        self.rs, self.source, self.references = record_set, source, references

    def _field(self, path: tuple[str, ...], name: str, entry: dict | None, column: str,
               transforms: list[tuple[str, ...]], repeated: bool = False) -> dict:
        source: dict[str, Any] = {**self.source, "extract": {"column": column}}
        if (t := _transforms(transforms)) is not None:
            source["transform"] = t
        field: dict[str, Any] = {"@type": "cr:Field", "@id": f"{self.rs}/{'/'.join(path)}", "name": name}
        if entry is not None:
            field["dataType"] = _data_type(entry) if "dtype" in entry else _CR_TYPES[entry["list"]]
        field["source"] = source
        if repeated:
            field["repeated"] = True
        target = self.references.get(tuple(p for part in path for p in part.split(".")))
        if target is not None and declares_reference(self.rs, target, nested=len(path) > 1):
            field["references"] = {"field": {"@id": f"{target}/id"}}
        elif target is not None:
            field["description"] = (f"An id of a record of '{target}' (not declared as a reference: Croissant "
                                    "loaders cannot follow references that form a cycle).")
        return field

    def fields(self, entries: list[dict]) -> list[dict]:
        out = []
        for entry in entries:
            out.extend(self._top(entry))
        return out

    def _top(self, entry: dict) -> list[dict]:
        name = entry["name"]
        if "dtype" in entry:
            return [self._field((name,), name, entry, name, [])]
        if "struct" in entry:  # an object: each leaf is a field, read with a jsonPath
            return [f for leaf in entry["struct"] for f in self._member(name, (leaf["name"],), leaf)]
        return self._list(name, (name,), name, (), entry["list"])

    def _member(self, column: str, path: tuple[str, ...], entry: dict) -> list[dict]:
        dotted = ".".join((column, *path))
        if "dtype" in entry:
            return [self._field((dotted,), dotted, entry, column, [path])]
        if "struct" in entry:
            return [f for leaf in entry["struct"] for f in self._member(column, (*path, leaf["name"]), leaf)]
        return self._list(dotted, (dotted,), column, path, entry["list"])

    def _list(self, name: str, path: tuple[str, ...], column: str, inside: tuple[str, ...], item) -> list[dict]:
        if isinstance(item, str):  # a list of values
            return [self._field(path, name, {"list": item}, column, [inside], repeated=True)]
        parent = {"@type": "cr:Field", "@id": f"{self.rs}/{'/'.join(path)}", "name": name, "repeated": True,
                  "subField": [self._field((*path, ".".join(p)), ".".join(p), leaf, column, [inside, p])
                               for p, leaf in _leaves(item)]}
        return [parent]


def _leaves(entries: list[dict], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], dict]]:
    """(path, entry) of every value inside a list item; a list inside a list item has no Croissant form here."""
    out = []
    for entry in entries:
        path = (*prefix, entry["name"])
        if "dtype" in entry:
            out.append((path, entry))
        elif "struct" in entry:
            out.extend(_leaves(entry["struct"], path))
        else:
            raise TypeError(f"no Croissant field for the list {'.'.join(path)} inside a list item")
    return out


def _rai(c: Content) -> dict[str, Any]:
    span = publication_span(c)
    analysis = agreement_summary(c) or [review_status(c)]
    return {
        "rai:dataCollection": collection(c),
        "rai:dataCollectionType": ["Manual Human Curation", "Document analysis"],
        **({"rai:dataCollectionTimeframe": [span[0].isoformat(), span[1].isoformat()]} if span else {}),
        "rai:dataCollectionRawData": "The seed articles (plain text), shipped with the factset package; each "
                                     "source record gives its file and sha256.",
        "rai:dataAnnotationProtocol": [ANNOTATION_GUIDE, review_status(c)],
        "rai:dataAnnotationPlatform": ["JSON Lines records written by hand, checked by 'factset validate'; blind "
                                       "review items written and recorded by 'factset review'."],
        "rai:dataAnnotationAnalysis": analysis,
        "rai:annotationsPerItem": annotations_per_item(c),
        "rai:annotatorDemographics": [annotators(c)],
        "rai:machineAnnotationTools": ["None labels anything. 'factset offsets' locates each hand-copied quote "
                                       "in its text (character offsets)."],
        "rai:dataBiases": biases(c),
        "rai:dataLimitations": limitations(c) + [
            f"{sid}: the quotes reproduce {pct(q)} of the article ({pct(qc)} with the stance contexts); its "
            f"copyright: {rights}." for sid, rights, _, q, qc in coverage_rows(c)],
        "rai:dataUseCases": USES + [f"Not for: {line}" for line in OUT_OF_SCOPE],
        "rai:dataSocialImpact": SOCIAL_IMPACT,
        "rai:personalSensitiveInformation": personal(c),
        "rai:dataReleaseMaintenancePlan": MAINTENANCE,
    }


def croissant(c: Content, files: dict[str, bytes]) -> str:
    """The Croissant JSON-LD of a release (``files``: its files by relative path)."""
    distribution: list[dict] = [
        {"@type": "cr:FileObject", "@id": f"{name}.jsonl", "name": f"{name}.jsonl", "contentUrl": f"{name}.jsonl",
         "encodingFormat": "application/jsonlines", "sha256": hashlib.sha256(files[f"{name}.jsonl"]).hexdigest()}
        for name in FILES
    ]
    distribution += [
        {"@type": "cr:FileSet", "@id": f"tasks/{task}", "name": f"tasks/{task}", "encodingFormat": "application/jsonlines",
         "includes": f"tasks/{task}/*.jsonl"}
        for task in TASKS
    ]
    record_sets = []
    for name, model in MODELS.items():
        writer = _Writer(name, {"fileObject": {"@id": f"{name}.jsonl"}}, model_references(model))
        record_sets.append({"@type": "cr:RecordSet", "@id": name, "name": name, "key": {"@id": f"{name}/id"},
                            "field": writer.fields(features(model))})
    for task_name, task in TASKS.items():
        source = {"fileSet": {"@id": f"tasks/{task_name}"}}
        writer = _Writer(task_name, source, TASK_REFERENCES[task_name])
        split = {"@type": "cr:Field", "@id": f"{task_name}/split", "name": "split", "dataType": "sc:Text",
                 "description": "The split: the name of the file the row is read from (train or test).",
                 "source": {**source, "extract": {"fileProperty": "filename"}, "transform": {"regex": r"^(.*)\.jsonl$"}}}
        record_sets.append({"@type": "cr:RecordSet", "@id": task_name, "name": task_name,
                            "description": f"Task view: one row is {task.row}. Label field '{task.label}': "
                                           + ", ".join(task.classes) + ".",
                            "field": [split, *writer.fields([dict(f) for f in task.features])]})
    doc = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "factset",
        "description": f"A hand-curated, structured fact-check dataset about {SUBJECT}: sources, claimants, claims and "
                       "evidence passages with stances, check-worthiness, attestation and veracity verdicts, and task "
                       "views for claim verification, stance and time relations.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": citation(c.version, c.date),
        "license": ANNOTATION_LICENSE_URL,
        "url": HOMEPAGE,
        "version": c.version,
        **({"datePublished": c.date} if c.released else {}),
        **_rai(c),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
