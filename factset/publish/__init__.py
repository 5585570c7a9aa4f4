"""Publishing: immutable releases and the metadata beside them.

Builds a release from validated curated records (:mod:`.build`), loads and verifies one
(:mod:`.release`), and writes the dataset card (:mod:`.card`), the Croissant description
(:mod:`.croissant`) and the ClaimReview markup (:mod:`.claimreview`), all derived from
the models (:mod:`.features`, :mod:`.identity`).

May import :mod:`factset.records` and :mod:`factset.curation`; never research or the CLI
(figures a release carries are drawn by the research wing and passed in by the caller).
"""
