"""gunicorn settings for Prescribe: ``gunicorn -c gunicorn.conf.py wsgi:app``.

PDF rendering is CPU-bound and WeasyPrint's font configuration is not thread-safe, so we scale
with processes (one per core), not threads. Each worker renders one small document before it
takes traffic, so no patient waits for WeasyPrint's imports and font set-up (about 2 s).

Sync workers are held by a client that connects and sends nothing, until ``timeout``: anything
beyond loopback goes through nginx (deploy/nginx.conf), which buffers whole requests and answers.
"""

import multiprocessing
import os
import threading

bind = os.environ.get("PRESCRIBE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PRESCRIBE_WORKERS", multiprocessing.cpu_count()))
threads = 1
timeout = 30
# A safety net for memory, not a fix: one shared FontConfiguration per worker keeps RSS flat.
# The jitter is wide so that the workers' restarts (each a cold first render) fall far apart: with
# 500 +- 50, two workers under the same load restarted together and every client waited ~7 s.
max_requests = 1000
max_requests_jitter = 500
accesslog = "-"
# Never log query strings or bodies: URLs carry ids only, and form posts carry patient names.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):
    """Warm the PDF engine in each worker once it has loaded the app (never in the master: no
    state across fork). The first render also freezes what the worker holds by then (the app, the
    catalog, WeasyPrint) out of the garbage collector's walks: see prescribe/handout/pdf.py."""
    from prescribe.handout.pdf import html_to_pdf

    html_to_pdf('<html lang="en"><head><title>warm-up</title></head><body><p>Ready</p></body></html>',
                identifier="warm-up")
    app = _flask_app(worker.wsgi)
    if app is None:
        worker.log.info("No handout layouts kept at start: %r is not the Flask app", type(worker.wsgi).__name__)
    elif app.config["HANDOUT_WARM_LAYOUTS"]:
        threading.Thread(target=_warm_layouts, args=(worker, app), name="warm-layouts", daemon=True).start()


def _flask_app(wsgi, depth=0):
    """The Flask app gunicorn serves, also when WSGI middleware wraps it (``.app``, as Werkzeug's
    DispatcherMiddleware keeps its default app); None when there is none to find."""
    from flask import Flask

    if isinstance(wsgi, Flask):
        return wsgi
    inner = getattr(wsgi, "app", None)
    return _flask_app(inner, depth + 1) if inner is not None and depth < 5 else None


def _warm_layouts(worker, app):
    """Lay out every diagnosis's default program for each clinic and keep it (prescribe/handouts.py
    ``warm_layouts``), at the lowest CPU priority: the worker takes traffic meanwhile, and a request
    waits for at most one layout (one render at a time per worker). Stops when the worker does."""
    import time

    from prescribe.db import get_session
    from prescribe.handouts import warm_layouts
    from prescribe.web.context import handout_printer

    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only, on Linux
    # Where the builder's previews say the patient's page is: the public address, else the one served.
    page_base = app.config["PUBLIC_URL"] or f"http://{worker.cfg.bind[0]}"
    started = time.monotonic()
    try:
        with app.app_context():
            kept = warm_layouts(get_session(), handout_printer(), page_base=page_base, stop=lambda: not worker.alive)
    except Exception:  # noqa: BLE001 - a warm-up that fails costs speed, never service
        worker.log.exception("Warming the handout layouts failed")
        return
    worker.log.info("Kept %d handout layouts in %.0f s", kept, time.monotonic() - started)
