"""Recently rendered handouts, kept per process so Download can hand back what Preview drew.

WeasyPrint output is deterministic for the same program, branding, content and code, so a cached
PDF is exactly the PDF a new render would produce; the cache only saves the time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import asdict
from datetime import date, datetime
from enum import Enum
from functools import cache
from importlib import metadata
from pathlib import Path

from prescribe.catalog import Catalog
from prescribe.programs import Program

from .pdf import RenderedPdf
from .view import Branding, PhoneLink


def render_key(program: Program, branding: Branding, catalog: Catalog, phone: PhoneLink | None = None) -> str:
    """A digest of everything that decides the printed bytes.

    Every field of the program and of the branding, whatever fields they gain later (a canonical
    JSON of the dataclasses, nested ones included); the content they print from (the catalog's
    version, a digest of its files); and what draws them (:func:`code_version`).
    """
    data = {"program": asdict(program), "branding": asdict(branding), "catalog": catalog.version,
            "code": code_version(), "phone": asdict(phone) if phone else None}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_value)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_value(value: object) -> object:
    """The JSON form of a value json does not know; a type it cannot tell apart fails loudly."""
    if isinstance(value, (date, datetime)):
        return {"date": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": hashlib.sha256(value).hexdigest()}
    if isinstance(value, (set, frozenset)):
        return {"set": sorted(value, key=repr)}
    if isinstance(value, Enum):
        return {"enum": [type(value).__name__, value.value]}
    raise TypeError(f"render_key cannot tell {type(value).__name__} values apart: add it to _json_value")


PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# The files and code that turn a program into a PDF: the print templates, CSS and fonts, and the
# packages from the view model to the figures. The PDF stack's versions are added to them.
CODE_FILES = (
    (PACKAGE_ROOT.parent / "templates" / "handout", "**/*"),
    (PACKAGE_ROOT / "static" / "handout", "**/*"),
    (PACKAGE_ROOT / "static" / "fonts", "**/*"),
    (PACKAGE_ROOT / "handout", "**/*.py"),
    (PACKAGE_ROOT / "illustration", "**/*.py"),
    (PACKAGE_ROOT / "programs", "**/*.py"),
    (PACKAGE_ROOT / "catalog", "**/*.py"),
    (PACKAGE_ROOT, "colour.py"),
)
PDF_STACK = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "fonttools", "pikepdf")


@cache
def code_version() -> str:
    """A digest of the templates, print CSS, fonts, drawing code and PDF stack (computed once per process)."""
    digest = hashlib.sha256()
    for root, pattern in CODE_FILES:
        for path in sorted(p for p in root.glob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{path.relative_to(PACKAGE_ROOT.parent).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for package in PDF_STACK:
        try:
            digest.update(f"{package}=={metadata.version(package)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} absent\0".encode())
    return digest.hexdigest()


class RenderCache:
    """A small thread-safe LRU of rendered PDFs keyed by :func:`render_key`."""

    def __init__(self, max_entries: int = 32):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, RenderedPdf] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> RenderedPdf | None:
        with self._lock:
            rendered = self._entries.get(key)
            if rendered is not None:
                self._entries.move_to_end(key)
            return rendered

    def put(self, key: str, rendered: RenderedPdf) -> None:
        with self._lock:
            self._entries[key] = rendered
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
