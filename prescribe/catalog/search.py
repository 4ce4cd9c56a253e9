"""Search that forgives: diagnoses and exercises by name, alias, ICD-10-CM code and with typos.

A therapist types "impingment", "labrum" or "M16" between two patients; each should find the
diagnosis they mean. Every word of the query must match some word of the entry, in one of these
ways, best first: the word is inside the entry's text; it starts one of its codes ("M16" ->
M16.11); it shares a stem with a word (the first 4 letters or more, and most of the shorter word:
"labrum" ~ "labral"); or it is a near spelling (rapidfuzz ratio 85 or more, words of 5 letters
or more: "impingment" ~ "impingement").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz

T = TypeVar("T")
NEAR_SPELLING = 85.0
MIN_FUZZY_LENGTH = 5
MIN_STEM = 4
_WORD = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)?")

# How well a query word matches, best first (lower is better); None: it does not.
EXACT, CODE, STEM, NEAR = 0, 1, 2, 3


def _stem_length(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):  # the common prefix
        if a != b:
            break
        length += 1
    return length


def word_match(word: str, text: str, words: Sequence[str], codes: Sequence[str]) -> int | None:
    """How ``word`` (lower case) matches an entry's ``text``, ``words`` and ``codes``; None if not."""
    if word in text:
        return EXACT
    if any(code.startswith(word) for code in codes):
        return CODE
    for candidate in words:
        stem = _stem_length(word, candidate)
        if stem >= MIN_STEM and stem >= 0.6 * min(len(word), len(candidate)):
            return STEM
    if len(word) >= MIN_FUZZY_LENGTH and any(fuzz.ratio(word, candidate) >= NEAR_SPELLING for candidate in words):
        return NEAR
    return None


def search(entries: Iterable[T], query: str, texts, codes=lambda entry: ()) -> list[T]:
    """The entries every query word matches, best matches first (then in the order given).

    ``texts(entry)`` gives the strings to search (names, aliases, ...), ``codes(entry)`` its codes.
    An empty query matches everything.
    """
    query_words = _WORD.findall(query.lower())
    ranked: list[tuple[int, int, T]] = []
    for order, entry in enumerate(entries):
        text = " ".join(texts(entry)).lower()
        words = _WORD.findall(text)
        entry_codes = [code.lower() for code in codes(entry)]
        found = [rank for word in query_words if (rank := word_match(word, text, words, entry_codes)) is not None]
        if len(found) == len(query_words):
            ranked.append((max(found, default=EXACT), order, entry))
    return [entry for _, _, entry in sorted(ranked, key=lambda item: (item[0], item[1]))]
