"""factset: a hand-curated, structured fact-check dataset and the tools to validate it.

>>> import factset
>>> release = factset.load()            # latest release, checksums verified
>>> release.claims[0].verdict.label
>>> from datasets import load_dataset
>>> load_dataset(str(factset.hf_path()), "claims", split="train")
"""

from __future__ import annotations

from pathlib import Path

_LAZY = {
    "SCHEMA_VERSION": "records.models", "Claim": "records.models", "Entity": "records.models",
    "Evidence": "records.models", "Source": "records.models",
    "Release": "publish.release", "ReleaseError": "publish.release", "load": "publish.release",
    "versions": "publish.release",
}


def __getattr__(name: str):
    """The models and release API, imported on first use (``factset validate`` needs neither)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'factset' has no attribute {name!r}")

__all__ = [
    "SCHEMA_VERSION", "Claim", "Entity", "Evidence", "Source",
    "Release", "ReleaseError", "load", "versions", "hf_path",
]


def hf_path(version: str | None = None) -> Path:
    """Folder of a release (the latest by default), for ``datasets.load_dataset``.

    The checksums are verified first, so what ``load_dataset`` reads is what was released.
    """
    from .publish.release import release_path, verify

    path = release_path(version)
    verify(path)
    return path
