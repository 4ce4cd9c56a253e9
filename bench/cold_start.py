"""Child process for the cold-start figure: a fresh interpreter until the first PDF is in hand.

Run by ``bench.run`` as ``python bench/cold_start.py`` with a JSON spec on stdin (app config,
session cookie, builder form fields). It imports the app, creates it, and sends the same
``POST /build/`` download as the in-process figure, through the Flask test client. It prints
one JSON line of ``time.monotonic()`` stamps (system-wide on Linux, so the parent can subtract
the moment it spawned this process).
"""

import time

T_MAIN = time.monotonic()

import json  # noqa: E402
import sys  # noqa: E402


def main() -> None:
    spec = json.load(sys.stdin)
    from werkzeug.datastructures import MultiDict

    from prescribe import create_app

    t_imported = time.monotonic()
    app = create_app(spec["config"])
    t_app = time.monotonic()
    client = app.test_client()
    client.set_cookie(spec["cookie_name"], spec["cookie"])
    response = client.post("/build/", data=MultiDict([tuple(pair) for pair in spec["form"]]))
    body = response.get_data()
    t_pdf = time.monotonic()
    ok = response.status_code == 200 and body.startswith(b"%PDF-")
    print(json.dumps({"main": T_MAIN, "imported": t_imported, "app": t_app, "pdf": t_pdf, "ok": ok,
                      "status": response.status_code, "bytes": len(body)}), flush=True)
    app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
