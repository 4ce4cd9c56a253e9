"""A counting HTTP server on 127.0.0.1, to prove the PDF engine fetches nothing."""

from __future__ import annotations

import http.server
import threading

import pytest


@pytest.fixture
def loopback_server():
    """Yields ``(base_url, hits)``; ``hits`` lists the path of every request received."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
