"""Research use of a release: seeing and measuring the data.

The timeline of estimates (:mod:`.timeline`) and the HTML report with the source x
claim matrix (:mod:`.report`).

May import :mod:`factset.records`, :mod:`factset.curation` and :mod:`factset.publish`;
never the CLI.
"""
