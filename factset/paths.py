"""Where the committed folders are, in a checkout and in an installed wheel.

The wheel build maps ``schema/``, ``seeds/``, ``data/releases/`` and ``data/topics.json`` of the
checkout into the package (see pyproject.toml), so each has one committed copy
and an installed package still finds it.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
REPO_DIR = PACKAGE_DIR.parent


def bundled(name: str, in_checkout: str | None = None) -> Path:
    """``factset/<name>`` (a folder or a file) inside a wheel, else ``<checkout>/<in_checkout or name>``."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.exists() else REPO_DIR / (in_checkout or name)
