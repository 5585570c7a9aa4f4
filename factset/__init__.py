"""factset: a hand-curated, structured fact-check dataset and the tools to validate it.

>>> import factset
>>> release = factset.load()                    # latest release, checksums verified
>>> release.claim("clm-001-017").verdict.label
>>> release.task("verification", "test")[:2]    # task views, from release 1.0.0 on
>>> from datasets import load_dataset
>>> load_dataset(factset.hf_path(), "verification", split="test")
"""

from __future__ import annotations

_LAZY = {
    "SCHEMA_VERSION": "records.models", "Claim": "records.models", "Entity": "records.models",
    "Evidence": "records.models", "Source": "records.models",
    "Release": "publish.release", "ReleaseError": "publish.release", "load": "publish.release",
    "versions": "publish.release", "TASKS": "publish.tasks",
}

__all__ = [
    "SCHEMA_VERSION", "Claim", "Entity", "Evidence", "Source",
    "Release", "ReleaseError", "load", "versions", "hf_path", "TASKS",
]


def __getattr__(name: str):
    """The models and release API, imported on first use (``factset validate`` needs neither)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'factset' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (imported lazily, so not yet in the module's namespace) and the module's own names."""
    return sorted(set(__all__) | {name for name in globals() if name.startswith("__") and name.endswith("__")})


def hf_path(version: str | None = None) -> str:
    """Folder of a release (the latest by default), as a ``str`` that
    ``datasets.load_dataset`` takes directly (it refuses a ``Path``).

    The checksums are verified first, so what ``load_dataset`` reads is what was released.
    """
    from .publish.release import release_path, verify

    path = release_path(version)
    verify(path)
    return str(path)
