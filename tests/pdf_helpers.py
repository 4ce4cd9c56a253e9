"""Reading a handout PDF the way a test needs it: text per page, with line breaks folded."""

from __future__ import annotations

import io
import re

import pdfplumber
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [re.sub(r"\s+", " ", page.extract_text() or "") for page in document.pages]


def metadata(pdf: bytes):
    return PdfReader(io.BytesIO(pdf)).metadata


def pages_containing(pages: list[str], text: str) -> list[int]:
    needle = re.sub(r"\s+", " ", text)
    return [index for index, page in enumerate(pages) if needle in page]


# A card's left column (picture, dose) ends about 88 mm from the page edge; see print.css.
COLUMN_SPLIT_PT = 245


def column_texts(pdf: bytes, split: float = COLUMN_SPLIT_PT) -> list[tuple[str, str]]:
    """Per page, the text left and right of the card column boundary, line breaks folded."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        result = []
        for page in document.pages:
            left = page.crop((0, 0, split, page.height)).extract_text() or ""
            right = page.crop((split, 0, page.width, page.height)).extract_text() or ""
            result.append((re.sub(r"\s+", " ", left), re.sub(r"\s+", " ", right)))
        return result


def pages_with_words(pages: list[str], text: str) -> list[int]:
    """Pages on which the words of ``text`` appear in order, other words possibly between them
    (text in two columns side by side is read line by line across both)."""
    wanted = text.split()
    found = []
    for index, page in enumerate(pages):
        words = iter(page.split())
        if all(any(word == candidate for candidate in words) for word in wanted):
            found.append(index)
    return found
