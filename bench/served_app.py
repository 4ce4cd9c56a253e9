"""What the bench's gunicorn serves: Prescribe, with the minimal Flask page beside it at ``/minimal/``.

Both apps run in the same gunicorn workers (same processes, settings and ``gunicorn.conf.py``
warm-up), so "builder p95 / minimal p95" compares two pages served by the same server in the same
run, as the issue asks, without adding a benchmark route to the product.
"""

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bench.minimal_app import app as minimal_app
from wsgi import app as prescribe_app

MINIMAL_PREFIX = "/minimal"

app = DispatcherMiddleware(prescribe_app, {MINIMAL_PREFIX: minimal_app})
