"""factset: a hand-curated, structured fact-check dataset and the tools to validate it."""

from .models import SCHEMA_VERSION, Claim, Entity, Evidence, Source

__all__ = ["SCHEMA_VERSION", "Claim", "Entity", "Evidence", "Source"]
