"""Curation: reading hand-entered records and checking them, as ``factset validate`` does.

A loader yields each line as data or a located error (:mod:`.loader`); the line checks
run the JSON Schema and models, on the fast path a chunk at a time (:mod:`.fast_path`)
or on the reference path a line at a time (:mod:`.reference_path`); the rules the schema
cannot express follow, for one record (:mod:`.record_rules`, :mod:`.hygiene`) and across
records (:mod:`.facts`); :mod:`.validate` streams files through all of them into a
:class:`~.result.Result` that a reporter prints (:mod:`.reporters`). Also the seed texts
(:mod:`.seeds`) and filling evidence offsets (:mod:`.offsets`).

May import :mod:`factset.records`; never publish, research or the CLI.
"""
