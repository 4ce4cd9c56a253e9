"""Recently rendered handouts, kept per process so Download can hand back what Preview drew.

WeasyPrint output is deterministic for the same program and branding, so a cached PDF is exactly
the PDF a new render would produce; the cache only saves the time.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from prescribe.programs import Program

from .pdf import RenderedPdf
from .view import Branding


def render_key(program: Program, branding: Branding) -> str:
    """A digest of everything that decides the printed bytes."""
    data = {
        "program": program.as_dict(),
        "branding": [branding.name, branding.address, branding.phone, branding.website,
                     branding.accent_colour, branding.footer_line, branding.emergency_number,
                     hashlib.sha256(branding.logo_png or b"").hexdigest()],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


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
