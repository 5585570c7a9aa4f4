"""Which numerals of a claim text must be quantities (factset.curation.numerals), exactly."""

import pytest

from factset.curation.numerals import numerals, unstructured

# (text, the numerals that must be quantities)
CASES = [
    ("On 23 October 2024 US officials said about 10,000 North Korean troops were in Russia.", ["10,000"]),
    ("On October 23, 2024 and on Oct. 23 and on Sept. 3 and on 3 May nothing was counted.", []),
    ("Published 2024-10-23, it said 2024-10-23 was 3 days after the summit.", ["3"]),
    ("In 2022, in the 1990s and in 1953 no one counted; in 2024.5 someone did.", ["2024.5"]),
    ("The 16th BRICS summit, the 1st, 2nd and 3rd rounds, the 12th-century walls.", []),
    ("Article 4 and Art. 5 of the treaty.", []),
    ("A T-72 tank, the G7, a MiG-29 and a Т-34 (Cyrillic T).", []),
    ("A fellow of the 38 North Program said 38 North Korean soldiers died.", ["38"]),
    ("Between 10,000-12,000 troops, 3.5 million shells, 30% of them, 12 countries.", ["10,000", "12,000", "3.5", "30", "12"]),
    ("A count written without its separator, 3000 or 4000, is a count; 2000 reads as a year.", ["3000", "4000"]),
    ("October 123 is no date, 1,2024 no year, 3 Mayors are three.", ["123", "1,2024", "3"]),
    ("Digits of other scripts (٣) are not numerals.", []),
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:30] for c in CASES])
def test_numerals_that_must_be_quantities(text, expected):
    assert [n for _, n in numerals(text)] == expected


def test_positions_point_at_the_numeral():
    text = "On 1 March 2024 some 8,000 troops."
    assert numerals(text) == [(text.index("8,000"), "8,000")]


def q(text, **values):
    return {"text": text, **values}


@pytest.mark.parametrize("quantities, left", [
    ([], ["10,000", "3"]),
    ([q("about 10,000")], ["3"]),  # the quantity's text holds the numeral
    ([q("some ten thousand", value=10000), q("three", value=3)], []),  # its value is the number
    ([q("between 2 and 3", low=2, high=3), q("10,000")], []),  # a bound is the number
    ([q("10000")], ["10,000", "3"]),  # written otherwise and no value: not the same numeral
])
def test_a_numeral_is_structured_by_a_quantity_text_or_value(quantities, left):
    text = "About 10,000 troops arrived in 3 waves."
    assert [n for _, n in unstructured(text, quantities)] == left


def test_huge_numbers_neither_crash_nor_match():
    text = "A claim of " + "9" * 5000 + " troops."
    assert [n for _, n in unstructured(text, [q("many", value=10**400)])] == ["9" * 5000]
