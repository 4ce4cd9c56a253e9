"""Handouts laid out for their shared part (prescribe/handout/personal.py), kept per worker.

A least-recently-used cache with a size limit in MB: a laid-out handout holds its boxes and Pango's
text layouts, about 7 MB for 10 pages, estimated by
:func:`prescribe.handout.weasy_internals.document_bytes`. Keys are digests of the shared HTML, which
carries everything that shapes the layout (the print stylesheet and fonts are the process's own).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

DEFAULT_LIMIT_MB = 200.0  # about 25 handouts per worker
TYPICAL_LAYOUT_BYTES = 8 * 1024 * 1024  # a 10-page handout laid out


def layout_key(shared_html: str) -> str:
    return hashlib.sha256(shared_html.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LayoutStats:
    entries: int
    megabytes: float
    limit_mb: float
    hits: int
    misses: int
    evictions: int
    spliced: int  # handouts made of a kept layout and their personal part
    refused: int  # handouts whose personal part took other room than its stand-ins: laid out whole


class LayoutCache:
    """Kept layouts by :func:`layout_key`, the least recently used dropped past ``limit_mb``."""

    def __init__(self, limit_mb: float = DEFAULT_LIMIT_MB):
        self.limit_bytes = int(limit_mb * 1024 * 1024)
        self._entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = self.spliced = self.refused = 0

    @property
    def enabled(self) -> bool:
        """False with a limit of 0: handouts are then laid out whole, as before the cache."""
        return self.limit_bytes > 0

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return entry[0]

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._entries

    def put(self, key: str, document: Any, size: int, *, evict: bool = True) -> bool:
        """Keep ``document`` (``size`` bytes), dropping the least recently used past the limit; False
        (not kept) when it alone is over the limit, or, with ``evict`` false, when it does not fit."""
        if size > self.limit_bytes:
            return False
        with self._lock:
            if not evict and self._bytes + size > self.limit_bytes:
                return False
            if (old := self._entries.pop(key, None)) is not None:
                self._bytes -= old[1]
            self._entries[key] = (document, size)
            self._bytes += size
            while self._bytes > self.limit_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self.evictions += 1
            return True

    def has_room(self, size: int = TYPICAL_LAYOUT_BYTES) -> bool:
        """True when ``size`` more bytes fit under the limit without dropping anything."""
        with self._lock:
            return self.enabled and self._bytes + size <= self.limit_bytes

    def count_splice(self, *, done: bool) -> None:
        """Count a handout spliced into a kept layout, or one laid out whole instead (``done`` false)."""
        with self._lock:
            if done:
                self.spliced += 1
            else:
                self.refused += 1

    def resize(self, limit_mb: float) -> None:
        """A new limit (the app's ``HANDOUT_LAYOUT_CACHE_MB``), dropping what no longer fits."""
        with self._lock:
            self.limit_bytes = int(limit_mb * 1024 * 1024)
            while self._entries and self._bytes > self.limit_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self.evictions += 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> LayoutStats:
        with self._lock:
            return LayoutStats(len(self._entries), self._bytes / 1024 / 1024, self.limit_bytes / 1024 / 1024,
                               self.hits, self.misses, self.evictions, self.spliced, self.refused)
