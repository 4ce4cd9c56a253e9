"""``{% cache key %}...{% endcache %}``: keep the HTML of a template fragment that depends only on ``key``.

The builder draws the same exercise rows again and again: every new handout starts from a
diagnosis's default program, and each edit of one row re-renders all the others unchanged.
A row's HTML is a pure function of its values (the catalog does not change while the app runs),
so each worker keeps the most recently used fragments (``FRAGMENT_LIMIT``) and renders a
fragment only the first time its key is seen. A key of ``None`` renders without caching: the
template passes ``None`` for anything that holds free text or an error, so nothing a therapist
typed is kept beyond its request.

The key must name everything the fragment shows; the template says next to each ``cache`` tag
what its key covers. Nothing is kept while templates reload on change (debug mode). This is Jinja's documented fragment-cache extension, with an in-process
least-recently-used store instead of an external cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

FRAGMENT_LIMIT = 512  # fragments kept per worker: a builder row is 2-7 KB, so at most a few MB


class FragmentStore:
    """The most recently used rendered fragments, by key (thread-safe; one per app)."""

    def __init__(self, limit: int = FRAGMENT_LIMIT):
        self.limit = limit
        self._fragments: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        """The fragment kept for ``key``, or ``render()`` (then kept, the oldest one dropped)."""
        with self._lock:
            fragment = self._fragments.get(key)
            if fragment is not None:
                self._fragments.move_to_end(key)
                self.hits += 1
                return fragment
        fragment = Markup(render())
        with self._lock:
            self.misses += 1
            self._fragments[key] = fragment
            if len(self._fragments) > self.limit:
                self._fragments.popitem(last=False)
        return fragment

    def clear(self) -> None:
        with self._lock:
            self._fragments.clear()


class FragmentCacheExtension(Extension):
    """The ``cache`` tag: ``{% cache key %}body{% endcache %}`` renders ``body`` once per key."""

    tags = {"cache"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(fragment_store=FragmentStore())

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [key]), [], [], body).set_lineno(lineno)

    def _cached(self, key: Hashable | None, caller: Callable[[], str]) -> Markup:
        # auto_reload is on while templates are being edited (Flask's debug mode): show every edit.
        if key is None or self.environment.auto_reload:
            return Markup(caller())
        return self.environment.fragment_store.get_or_render(key, caller)
