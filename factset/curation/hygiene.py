"""Text hygiene: characters no record text needs and an attacker can use.

C0/C1 controls and the bidirectional overrides/isolates make text display differently
from what it is (Trojan Source). :func:`check_text` finds them in a parsed record; the
pre-filters find the lines that may hold them, cheaply, on the raw line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# A line break is text (a quote may run across one, and a seed may end its lines with CRLF):
# newline, and a carriage return that starts a CRLF; any other control character is not.
_HOSTILE = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]|\r(?!\n)")
# Pre-filters on the raw JSON line: the escapes or literal characters that could decode to them.
# The escapes are spelled once, for the text (reference path) and the bytes (fast path) alike.
_ESCAPE = r"\\(?:u(?:00[01789][0-9a-fA-F]|20(?:2[a-eA-E]|6[6-9]))|[bfrt])"
SUSPECT_LINE = re.compile(_ESCAPE + f"|[{_BIDI}\x7f-\x9f]")
_ESCAPES = re.compile(_ESCAPE.encode())
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_BIDI_BYTES = re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9])")


def suspect_bytes(raw: bytes) -> bool:
    """Whether a raw line may hold what :func:`check_text` refuses (cheap tests first)."""
    return bool(
        (b"\\" in raw and _ESCAPES.search(raw))
        or (b"\xc2" in raw and _C1.search(raw))
        or b"\x7f" in raw
        or _BIDI_BYTES.search(raw)
    )


def check_text(data, at: str = "") -> Iterator[tuple[str, str]]:
    """Control characters (other than a newline or CRLF) and bidi overrides anywhere in a record."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from check_text(value, f"{at}/{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from check_text(value, f"{at}/{i}")
    elif isinstance(data, str):
        found = hostile_character(data)
        if found:
            yield at, f"{found[1]} at position {found[0]} is not allowed in record text"


def hostile_character(text: str) -> tuple[int, str] | None:
    """The position and name of the first character no record text may hold, or None."""
    found = _HOSTILE.search(text)
    if not found:
        return None
    kind = "bidirectional control" if found.group() in _BIDI else "control"
    return found.start(), f"{kind} character U+{ord(found.group()):04X}"

