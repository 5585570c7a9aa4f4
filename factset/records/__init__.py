"""The records: the one definition of the data.

Owns the Pydantic models of the four record types (:mod:`.models`), the JSON Schema
generated from them (:mod:`.schema`), what the labels mean (:mod:`.labels`) and dates of
a given precision (:mod:`.dates`).

Imports nothing of factset but :mod:`factset.paths`. Data flows one way:
records <- curation <- publish <- research <- cli; never upwards.
"""
