"""Numerals in a claim text: every number the text states is structured as a quantity.

A claim's numbers are what researchers compare across sources, so each one must be
in ``quantities`` too. A *numeral* is a run of digits, with ``,`` or ``.`` between
digits (``10,000``, ``3.5``). It is structured when it is one of the numerals of some
quantity's ``text`` (``"about 10,000"``), or when its value is some quantity's
``value``, ``low`` or ``high`` (the seed may spell it otherwise: "12 thousand").

A numeral needs no quantity when it is, exactly:

- **a date**: a day next to a month's name or abbreviation (``23 October``,
  ``October 23``, ``Oct. 23``; ``Sept.``/``Sep.`` too), or an ISO date (``2024-10-23``);
- **a year**: four digits from 1900 to 2099 written without a separator, or a decade
  (``1990s``) -- so a count is written with its separator: ``2,000 troops``;
- **an ordinal**: digits followed by ``st``, ``nd``, ``rd`` or ``th`` (``16th``);
- **an article number**: after ``Article`` or ``Art.`` (``Article 4``);
- **part of a name**: digits right after a letter, or after a letter and a hyphen
  (``T-72``, ``G7``, ``MiG-29``), or one of :data:`NAMES`, names whose digits stand
  apart (``38 North``).

Numbers written in words ("three years") are not numerals: the rule cannot see them,
the curator structures them all the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December",
           "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.")
# Names in which a number stands apart from letters; each a regular expression, with what
# keeps it from swallowing a quantity ("38 North Korean troops" is a count).
NAMES = (  # (each starts with a digit)
    r"38 North(?! Korea)",  # the North Korea monitoring project of the Stimson Center
)

_NUMERAL = r"[0-9]+(?:[,.][0-9]+)*"
_END = r"(?![0-9]|[,.][0-9])"  # the numeral ends here
_MONTH_NAMES = "|".join(map(re.escape, _MONTHS))
_LETTER = r"[^\W\d_]"  # a letter of any script
# Each exemption, written as it reads from the numeral's second character on: the pattern
# below then starts with its first digit, so the scan skips to digits at C speed (a
# lookbehind that includes that digit sees what precedes the numeral).
_EXEMPT = "|".join([  # (the commonest first: a date's day and year)
    rf"[0-9]?(?= (?:{_MONTH_NAMES})(?!{_LETTER}))",  # 23 October
    rf"(?:(?<=1)9|(?<=2)0)[0-9]{{2}}(?:s\b|{_END})",  # 2024, 1990s
    rf"(?:{'|'.join(f'(?<={re.escape(m)} [0-9])' for m in _MONTHS)})[0-9]?{_END}",  # October 23, Oct. 23
    rf"[0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}(?![0-9])",  # 2024-10-23, and its month and day:
    rf"(?<=[0-9]{{4}}-[0-9])[0-9]-[0-9]{{2}}(?![0-9])|(?<=[0-9]{{4}}-[0-9]{{2}}-[0-9])[0-9](?![0-9])",
    rf"[0-9]*(?:st|nd|rd|th)(?!{_LETTER})",  # 16th
    r"(?<=Article [0-9])|(?<=Art\. [0-9])",  # Article 4
    rf"(?<={_LETTER}[0-9])|(?<={_LETTER}-[0-9])",  # T-72, G7
    *(f"(?<={name[0]}){name[1:]}" for name in NAMES),  # 38 North
])
# A numeral: its first digit, not inside another numeral, starting no exemption.
_SCAN = re.compile(rf"[0-9](?<![0-9][0-9])(?<![0-9][,.][0-9])(?!{_EXEMPT})[0-9]*(?:[,.][0-9]+)*")
_IN_QUANTITY = re.compile(_NUMERAL)


def numerals(text: str) -> list[tuple[int, str]]:
    """``(position, numeral)`` of every numeral of ``text`` that must be a quantity."""
    return [(m.start(), m.group()) for m in _SCAN.finditer(text)]


def states_numerals(text: str) -> bool:
    """Whether ``text`` has a numeral that must be a quantity (cheaper than listing them)."""
    return _SCAN.search(text) is not None


_WELL_FORMED = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


def _value(numeral: str) -> int | float | None:
    """The number a numeral writes, ``,`` read as a thousands separator; None if it is not
    written so, or too long to be a count (the record's numbers are compared exactly)."""
    if len(numeral) > 40 or not _WELL_FORMED.fullmatch(numeral):
        return None
    plain = numeral.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def unstructured(text: str, quantities: Iterable[dict]) -> list[tuple[int, str]]:
    """The numerals of a claim text that no quantity structures, with their positions."""
    found = numerals(text)
    if not found:
        return []
    quantities = list(quantities)
    written = {n for q in quantities for n in _IN_QUANTITY.findall(q["text"])}
    values = {v for q in quantities for v in (q.get("value"), q.get("low"), q.get("high")) if v is not None}
    return [(at, n) for at, n in found if n not in written and _value(n) not in values]
