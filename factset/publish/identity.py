"""What every file published beside a release says of the dataset as a whole: its
record configs, licence, home page and citation. One place, so that the card,
Croissant and ClaimReview cannot disagree.
"""

from __future__ import annotations

from ..records.models import Claim, Entity, Evidence, Source

MODELS = {"sources": Source, "entities": Entity, "claims": Claim, "evidence": Evidence}
LICENSE = "cc-by-4.0"
HOMEPAGE = "https://pypi.org/project/factset/"  # where the package is published
CITATION = """@misc{factset,
  title  = {factset: a hand-curated, structured fact-check dataset},
  author = {{factset contributors}},
  year   = {2026},
  note   = {Version VERSION},
}"""

