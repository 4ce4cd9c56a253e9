"""Issue 22: the inputs that gave a 500 now get a clear 400/404 or a message beside the field.

One parser (prescribe/web/numbers.py) reads every id and number a request carries; Host headers
are checked before Flask sees them; error pages cannot fail; odd form bodies get a clear answer.
"""

from __future__ import annotations

import logging

import pytest

from prescribe.web.numbers import MAX_ID, parse_id, parse_whole

from .conftest import builder_form, csrf_token, form_fields
from .test_security_headers import assert_secure_headers

UNICODE_DIGITS = ["²", "①", "³", "١", "٣", "߁", "𝟏", "１"]
ROUTES_WITH_IDS = [("patients/", ""), ("handouts/", ""), ("handouts/1/versions/", ".pdf"), ("build/template/", ""),
                   ("build/from/", ""), ("admin/users/", "/disable")]


@pytest.mark.parametrize("text", [*UNICODE_DIGITS, "", " ", "-1", "+1", "1.0", "1e3", "0x1", "1_000", "1 2",
                                  "9" * 11, "9" * 400, "9" * 5000, "\x00", "1\x00", None])
def test_the_parser_refuses_anything_but_a_few_ascii_digits(text):
    assert parse_id(text) is None
    assert parse_whole(text, max_digits=3) is None or text in ("",)


def test_the_parser_reads_ids_and_bounds():
    assert parse_id("1") == 1 and parse_id(" 42 ") == 42 and parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(str(MAX_ID + 1)) is None and parse_id("0") is None
    assert parse_whole("007", max_digits=3) == 7 and parse_whole("1000", max_digits=3) is None
    assert parse_whole("-5", signed=True) == -5 and parse_whole("-5") is None


def _problem_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_unicode_digits_in_a_url_are_no_id(app, clinics, client_for):
    client = client_for(clinics["A"].admin)
    assert client.get(f"/patients/{clinics['A'].patient_id}").status_code == 200
    for path in (f"/{prefix}{digit}{suffix}" for digit in UNICODE_DIGITS for prefix, suffix in ROUTES_WITH_IDS):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_secure_headers(response, path)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    a = clinics["A"]
    for path in (f"/patients/{str(a.patient_id).translate(arabic)}", f"/handouts/{str(a.handout_id).translate(arabic)}",
                 f"/handouts/{a.handout_id}/versions/{'1'.translate(arabic)}.pdf", f"/patients/{'9' * 11}",
                 f"/patients/{'9' * 400}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_secure_headers(response, path)


def test_row_buttons_with_odd_numbers_change_nothing(client, caplog):
    form = builder_form(client, "hip-pain")
    rows = sorted(k for k in form if k.endswith("-exercise"))
    for action in ["remove:²", "up:①", "down:³", "remove:١", "remove:" + "9" * 400, "up:-1", "down:1.0"]:
        response = client.post("/build/", data={**form, "action": action})
        assert response.status_code == 200, action
        after = form_fields(response.get_data(as_text=True))
        assert [after[k] for k in rows] == [form[k] for k in rows], action  # same exercises, same order
    assert form_fields(client.post("/build/", data={**form, "action": "remove:0"}).get_data(as_text=True)).get(
        rows[-1]) is None  # a real index still works
    assert not _problem_log(caplog)


def test_a_row_index_in_unicode_digits_is_not_a_row(client, caplog):
    form = builder_form(client, "hip-pain")
    response = client.post("/build/", data={**form, "exercises-²-sets": "3", "exercises-١-sets": "4",
                                            "action": "update"})
    assert response.status_code == 200
    assert not _problem_log(caplog)


def test_a_huge_or_odd_dose_gets_the_message_beside_the_field_and_stays_as_typed(client, caplog):
    form = builder_form(client, "hip-pain")
    for value in ["9" * 309, "9" * 400, "9" * 5000, "-" + "9" * 400, "٣", "²", "3.5", "-2", "1e3", "0"]:
        response = client.post("/build/", data={**form, "exercises-0-sets": value, "action": "download"})
        assert response.status_code == 422, value
        html = response.get_data(as_text=True)
        assert "Enter a number from 1 to 10." in html, value
        assert 'aria-describedby="exercises-0-sets-error"' in html
        assert form_fields(html)["exercises-0-sets"] == value  # nothing typed is lost
    assert not _problem_log(caplog)


def test_audit_filters_with_odd_numbers(admin_client, caplog):
    for query in ["before=²", "before=①", "before=" + "9" * 400, "patient=" + "9" * 309, "handout=" + "9" * 5000,
                  "patient=١", "handout=-1", "user=²", "user=" + "9" * 400]:
        page = admin_client.get(f"/admin/audit?{query}")
        assert page.status_code in (200, 422), query
        if query.startswith(("patient", "handout")):
            assert page.status_code == 422
            assert "digits only" in page.get_data(as_text=True)
        export = admin_client.get(f"/admin/audit.csv?{query}")
        assert export.status_code in (200, 422), query
    assert not _problem_log(caplog)


def test_multipart_parts_without_a_name_are_ignored(client, caplog):
    form = builder_form(client, "hip-pain")
    parts = [("", "no name at all"), (None, "nameless")]
    body, boundary = [], "prescribe-test-boundary"
    for name, value in [*((k, v) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])),
                        ("action", "update"), *parts]:
        disposition = "form-data" if name is None else f'form-data; name="{name}"'
        body.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n")
    body.append(f"--{boundary}--\r\n")
    response = client.post("/build/", data="".join(body).encode(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert form_fields(response.get_data(as_text=True))["exercises-0-exercise"] == form["exercises-0-exercise"]
    assert not _problem_log(caplog)


@pytest.mark.parametrize("ending", ["cut off inside the file", "broken after the file"])
def test_a_broken_upload_leaves_no_temporary_file_open(client, ending):
    """A multipart body that stops inside a file part, or breaks after one: the temporary file the
    parser opened for it is closed with the request, not left to the garbage collector."""
    import gc
    import warnings

    boundary = "prescribe-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + b"\x89PNG" + b"x" * 1000
    if ending == "broken after the file":
        body += f"\r\n--{boundary}\r\nContent-Disposition: form-data\r\nbroken".encode()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        response = client.post("/build/", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        gc.collect()
    assert response.status_code < 500
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_a_form_body_that_is_not_utf8_says_so(client, caplog):
    token = csrf_token(client.get("/build/hip-pain").get_data(as_text=True))
    response = client.post("/build/", data=b"csrf_token=" + token.encode() + b"&action=update&patient_name=%C3\xff\xfe",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form could not be read" in html and "UTF-8" in html
    assert "expired" not in html
    assert_secure_headers(response, "not utf-8")
    assert not _problem_log(caplog)


def test_an_address_whose_query_is_not_utf8_says_so(app, client, caplog):
    client.get("/")
    for path in ("/admin/audit", "/patients/", "/", "/no/such/page"):
        for who in (client, None):
            response = raw_request(app, "localhost", who, path=path, query=b"before=\xff\xfe")
            assert response.status_code in (400, 404), path
            if response.status_code == 400:
                assert "This address could not be read" in response.get_data(as_text=True)
            assert_secure_headers(response, path)
    assert raw_request(app, "localhost", client, path="/patients/", query=b"q=%ff").status_code == 200  # encoded: fine
    assert not _problem_log(caplog)


BAD_HOSTS = ["a" * 64 + ".example", "a..b", ".", "..", "-a.example", "a-.example", "exa mple", "example.com:99999",
             "ex\u00e4mple.com", "xn--", "[::1", "127.0.0.1:", "a" * 300, "evil.example", "localhost.evil.example",
             "localhost:80@evil.example", "\x00", "localhost\r\nX: y"]


def raw_request(app, host: str, client=None, path: str = "/", method: str = "GET", query: bytes = b""):
    """A request straight into the WSGI app (the test client itself cannot parse some of these hosts)."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app
    from werkzeug.wrappers import Response

    environ = EnvironBuilder(path=path, method=method).get_environ()
    environ["HTTP_HOST"] = host
    environ["QUERY_STRING"] = query.decode("latin-1")
    if client is not None:
        cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        environ["HTTP_COOKIE"] = f"{cookie.key}={cookie.value}"
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return Response(b"".join(body), status, headers)


def test_any_other_or_malformed_host_is_a_plain_400_with_our_headers(app, client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/")  # the session cookie is set
    for host in BAD_HOSTS:
        for who in (client, None):
            response = raw_request(app, host, who)
            assert response.status_code == 400, host
            assert "does not answer to that host name" in response.get_data(as_text=True)
            assert_secure_headers(response, host)
    assert len([r for r in caplog.records if "host name" in r.getMessage()]) == 1  # logged once, not per request
    assert not _problem_log(caplog)
    assert not any(r.exc_info for r in caplog.records)


def test_the_configured_hosts_are_served(app, anonymous):
    for host in ["localhost", "localhost:5000", "127.0.0.1:8000", "[::1]:5000", "LOCALHOST", "localhost."]:
        assert raw_request(app, host, path="/auth/login").status_code == 200, host


def test_allowed_hosts_come_from_the_settings(tmp_path):
    from .conftest import make_app

    app = make_app(tmp_path, ALLOWED_HOSTS="clinic.example, .physio.example")
    client = app.test_client()
    assert client.get("/auth/login", environ_overrides={"HTTP_HOST": "clinic.example"}).status_code == 200
    assert client.get("/auth/login", environ_overrides={"HTTP_HOST": "north.physio.example"}).status_code == 200
    assert client.get("/auth/login", environ_overrides={"HTTP_HOST": "localhost"}).status_code == 400
    assert client.get("/auth/login", environ_overrides={"HTTP_HOST": "physio.example.evil"}).status_code == 400
    app.extensions["db_engine"].dispose()
    from prescribe.config import ConfigError

    with pytest.raises(ConfigError, match="ALLOWED_HOSTS"):
        make_app(tmp_path, ALLOWED_HOSTS="not a host")


def test_an_error_page_that_cannot_be_drawn_still_answers_with_our_headers(app, client, monkeypatch, caplog):
    import prescribe.web.errors as errors

    def broken(*_args, **_kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/handouts/999999")
    assert response.status_code == 404
    assert response.mimetype == "text/plain" and "Page not found" in response.get_data(as_text=True)
    assert_secure_headers(response, "plain 404")
    assert not any(r.exc_info for r in caplog.records)
