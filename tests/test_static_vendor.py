"""Front-end libraries are pinned files served from our own static folder: no CDN, no drift."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "prescribe" / "static" / "vendor"


def test_every_vendored_file_matches_its_published_hash():
    sums = dict(reversed(line.split()) for line in (VENDOR / "SHA256SUMS").read_text().splitlines() if line)
    files = {path.name for path in VENDOR.glob("*.js")}
    assert files and set(sums) == files
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_pages_load_scripts_and_styles_only_from_our_own_static_files():
    sources = []
    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        sources += re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
        for name in re.findall(r"filename='(vendor/[^']+)'", text):
            assert (REPO / "prescribe" / "static" / name).is_file(), (template.name, name)
    assert sources and not [source for source in sources if "//" in source and "url_for" not in source]
