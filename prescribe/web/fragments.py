"""``{% cache key %}...{% endcache %}``: keep the HTML of a template fragment that depends only on ``key``.

The builder draws the same exercise rows again and again: every new handout starts from a
diagnosis's default program, and each edit of one row re-renders all the others unchanged.
A row's HTML is a pure function of its values (the catalog does not change while the app runs),
so each worker keeps the most recently used fragments (``FRAGMENT_LIMIT``) and renders a
fragment only the first time its key is seen. A key of ``None`` renders without caching: the
template passes ``None`` for anything that holds free text or an error, so nothing a therapist
typed is kept beyond its request.

The key must name everything the fragment shows; the template says next to each ``cache`` tag
what its key covers. A second, smaller store keeps whole builder forms by the same rules
(:func:`kept_page_part`, keyed by ``prescribe.web.builder.page.fresh_page_key``). Nothing is
kept while templates reload on change (debug mode). This is Jinja's documented fragment-cache
extension, with an in-process least-recently-used store instead of an external cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask_babel import get_locale
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

FRAGMENT_LIMIT = 512  # fragments kept per worker: a builder row is 2-7 KB, so at most a few MB
PAGE_LIMIT = 32  # whole builder forms kept per worker: about 70 KB each


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
        environment.extend(fragment_store=FragmentStore(), page_store=FragmentStore(PAGE_LIMIT))

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [key]), [], [], body).set_lineno(lineno)

    def _cached(self, key: Hashable | None, caller: Callable[[], str]) -> Markup:
        store = self.environment.fragment_store  # type: ignore[attr-defined]  # added by environment.extend()
        return kept(self.environment, store, key, caller)


def kept(environment, store: FragmentStore, key: Hashable | None, render: Callable[[], str]) -> Markup:
    """``render()``, kept in ``store`` by ``key`` and the page's language; never kept for a key of None
    or while templates reload.

    auto_reload is on while templates are being edited (Flask's debug mode): every edit shows. The
    same row drawn for a Spanish page has other words, so each language keeps its own fragments.
    """
    if key is None or environment.auto_reload:
        return Markup(render())
    return store.get_or_render((str(get_locale()), key), render)


def kept_page_part(environment, key: Hashable | None, render: Callable[[], str]) -> Markup:
    """A large part of a page (a whole builder form), kept by the same rules in a smaller store."""
    return kept(environment, environment.page_store, key, render)
