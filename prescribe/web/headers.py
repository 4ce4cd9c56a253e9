"""Security headers on every response, error pages and files included, set in this one place.

The pages carry no inline script or style (their scripts are files: static/js/app.js,
static/js/builder.js and the builder's pinned libraries in static/vendor), so the CSP allows only
this origin; ``data:`` images are the TOTP QR code. ``Referrer-Policy: same-origin``
(not ``no-referrer``) keeps Flask-WTF's HTTPS referrer check working on our own form posts.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        if name == "Referrer-Policy" and response.headers.get(name) == "no-referrer":
            continue  # stricter, set by the view (the patient's page: its address is its key)
        response.headers[name] = value
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = HSTS
    if g.get("user") is not None and request.endpoint != "static":
        # Pages and PDFs of a signed-in user hold patient names: no shared or disk cache.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
