"""An MLCommons Croissant 1.0 description of a release."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .features import features
from .identity import CITATION, HOMEPAGE, MODELS

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


def _cr_fields(name: str, file_id: str, entries: list[dict], parents: tuple[str, ...] = ()) -> list[dict]:
    """Croissant fields of the scalar columns; a nested scalar is read from its
    top-level column with a ``transform.jsonPath`` (JSON Lines are read as columns)."""
    fields = []
    for entry in entries:
        path = (*parents, entry["name"])
        if "dtype" in entry:
            source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": path[0]}}
            if len(path) > 1:
                source["transform"] = {"jsonPath": ".".join(path[1:])}
            fields.append({
                "@type": "cr:Field",
                "@id": f"{name}/{'.'.join(path)}",
                "name": ".".join(path),
                "dataType": _CR_TYPES[entry["dtype"]],
                "source": source,
            })
        elif "struct" in entry:
            fields.extend(_cr_fields(name, file_id, entry["struct"], path))
        # Lists of objects have no flat column; they stay in the JSONL and the HF features.
    return fields


def croissant(version: str, date: str, files: dict[str, str]) -> str:
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": f"{name}.jsonl",
            "name": f"{name}.jsonl",
            "contentUrl": f"{name}.jsonl",
            "encodingFormat": "application/jsonlines",
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
        for name, text in files.items()
    ]
    record_sets = [
        {"@type": "cr:RecordSet", "@id": name, "name": name, "key": {"@id": f"{name}/id"},
         "field": _cr_fields(name, f"{name}.jsonl", features(model))}
        for name, model in MODELS.items()
    ]
    doc = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "factset",
        "description": "A hand-curated, structured fact-check dataset: sources, claimants, claims and evidence "
                       "about North Korean troops sent to Russia (news articles of October-November 2024).",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "citeAs": CITATION.replace("VERSION", version),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "url": HOMEPAGE,
        "version": version,
        "datePublished": date,
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
