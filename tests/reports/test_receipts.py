"""Receipt codes: 125 random bits, Crockford base32 in five groups of five, only a keyed hash kept."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from steward.core import crypto
from steward.reports import receipts

from .helpers import CODE_RE


def test_a_new_code_has_five_groups_of_five_crockford_symbols():
    for _ in range(50):
        assert CODE_RE.match(receipts.new_code())


def test_a_code_carries_at_least_100_bits():
    assert receipts.GROUPS * receipts.GROUP_SIZE * math.log2(len(set(receipts.ALPHABET))) >= 100
    assert len(set(receipts.ALPHABET)) == 32
    assert not set("ILOU") & set(receipts.ALPHABET)


def test_codes_do_not_repeat_and_use_the_whole_alphabet():
    codes = [receipts.new_code() for _ in range(500)]
    assert len(set(codes)) == len(codes)
    assert set("".join(codes).replace("-", "")) == set(receipts.ALPHABET)


def test_every_symbol_is_equally_likely_in_every_place():
    """Each of the 25 places carries 5 random bits: over 3,200 codes a symbol is expected 100 times in each
    place, and 40 or 200 is beyond six standard deviations."""
    codes = [receipts.new_code().replace("-", "") for _ in range(3200)]
    for place in range(receipts.GROUPS * receipts.GROUP_SIZE):
        counts = Counter(code[place] for code in codes)
        assert set(counts) == set(receipts.ALPHABET)
        assert min(counts.values()) > 40 and max(counts.values()) < 200


@pytest.mark.parametrize(("typed", "expected"), [
    ("0A1B2-C3D4E-5F6G7-H8J9K-M0N0P", "0A1B2C3D4E5F6G7H8J9KM0N0P"),
    ("0a1b2-c3d4e-5f6g7-h8j9k-m0n0p", "0A1B2C3D4E5F6G7H8J9KM0N0P"),
    (" oa1b2 c3d4e\t5f6g7 h8j9k monop ", "0A1B2C3D4E5F6G7H8J9KM0N0P"),
    ("OAIB2C3D4E5F6G7H8J9KMONOP", "0A1B2C3D4E5F6G7H8J9KM0N0P"),
    ("0ALB2-C3D4E-5F6G7-H8J9K-M0N0P", "0A1B2C3D4E5F6G7H8J9KM0N0P"),
])
def test_what_people_type_is_normalised(typed, expected):
    assert receipts.normalise(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "ABCDE", "0A1B2-C3D4E-5F6G7-H8J9K-M0N0", "0A1B2-C3D4E-5F6G7-H8J9K-M0N0PQ",
    "UUUUU-UUUUU-UUUUU-UUUUU-UUUUU", "0A1B2_C3D4E_5F6G7_H8J9K_M0N0P", "ÄA1B2-C3D4E-5F6G7-H8J9K-M0N0P",
])
def test_malformed_codes_are_rejected(typed):
    assert receipts.normalise(typed) is None
    assert receipts.code_hash(typed) is None


def test_the_stored_hash_is_keyed_and_matches_every_spelling():
    code, stored = receipts.issue()
    assert code not in stored and code.replace("-", "") not in stored
    assert stored == receipts.code_hash(code) == receipts.code_hash(code.lower().replace("-", " "))
    assert stored == crypto.keyed_hash(code.replace("-", ""), purpose="receipt")
    assert stored != crypto.keyed_hash(code.replace("-", ""), purpose="submission")
