"""In-process measurements: our whole path through the Flask test client, bare WeasyPrint on the
exact same HTML, the naive baseline, reprints, PDF sizes and the stage breakdown of one render.

The comparisons run in interleaved rounds: every round runs each operation once (reprints
twice), in a freshly shuffled order, so slow drift on a shared machine hits all of them alike.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import monotonic, perf_counter, process_time
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from .workload import BUILDER_PATH, NAIVE_HTML, create_bench_account, download_form, form_pairs, six_exercise_form


class BenchError(RuntimeError):
    """The app did not answer as the benchmark expects (e.g. no PDF where one was due)."""


def expect_pdf(status: int, body: bytes, what: str) -> bytes:
    """``body`` if it is a PDF served with 200, else a :class:`BenchError` naming ``what``."""
    if status != 200 or not body.startswith(b"%PDF-"):
        raise BenchError(f"{what}: expected a PDF with status 200, got {status}: {body[:120]!r}")
    return body


class InProcessApp:
    """The app on a temporary instance folder and SQLite database, driven by the test client.

    ``ENV_NAME`` is "development" here only so the test client sends the session cookie over
    plain http (production marks it Secure); the secret key is given, so nothing is written to
    the instance folder.
    """

    def __init__(self, workdir: Path, secret_key: str):
        from prescribe import create_app
        from prescribe.db import create_tables

        self.database_url = f"sqlite:///{workdir / 'inprocess.sqlite'}"
        self.config = {
            "ENV_NAME": "development",
            "SECRET_KEY": secret_key,
            "INSTANCE_PATH": str(workdir / "instance"),
            "DATABASE_URL": self.database_url,
        }
        self.app = create_app(self.config)
        with self.app.app_context():
            create_tables(self.app)
        self.catalog = self.app.extensions["catalog"]
        self.client = self.app.test_client()
        self.signed_in = False
        page = self._get_signed_in(BUILDER_PATH)
        if page.status_code != 200:
            raise BenchError(f"GET {BUILDER_PATH} answered {page.status_code}")
        self.fields = six_exercise_form(form_pairs(page.get_data(as_text=True)))

    def _get_signed_in(self, path: str):
        """GET ``path``; if the app redirects to a sign-in page, sign in with a new account first."""
        response = self.client.get(path)
        location = response.headers.get("Location", "")
        if response.status_code in (301, 302, 303, 307, 308) and "login" in location:
            login_path = urlsplit(location).path
            page = self.client.get(login_path)
            email, password = create_bench_account(self.app)
            fields = [(n, v) for n, v in form_pairs(page.get_data(as_text=True))
                      if n not in ("email", "password")]
            answer = self.client.post(login_path, data=MultiDict(
                fields + [("email", email), ("password", password)]))
            if answer.status_code not in (302, 303) or "login" in answer.headers.get("Location", ""):
                raise BenchError(f"signing in at {login_path} failed with status {answer.status_code}")
            self.signed_in = True
            response = self.client.get(path)
        return response

    def download(self, patient_name: str) -> tuple[bytes, str]:
        """POST /build/ with action=download: the PDF bytes and the response's ETag."""
        response = self.client.post("/build/", data=MultiDict(download_form(self.fields, patient_name)))
        body = expect_pdf(response.status_code, response.get_data(), "POST /build/ download")
        return body, response.headers.get("ETag", "")

    @property
    def session_cookie_name(self) -> str:
        return self.app.config.get("SESSION_COOKIE_NAME") or "session"

    def session_cookie(self) -> str:
        """The test client's session cookie (it carries the CSRF token of ``self.fields``)."""
        cookie = self.client.get_cookie(self.session_cookie_name)
        if cookie is None:
            raise BenchError("the builder page set no session cookie")
        return cookie.value

    def latest_version(self):
        """The most recently saved handout version and the clinic that printed it."""
        from sqlalchemy import select

        from prescribe.models import Clinic, HandoutVersion

        with self.app.extensions["db_sessionmaker"]() as session:
            version = session.scalars(select(HandoutVersion).order_by(HandoutVersion.id.desc())).first()
            clinic = session.scalars(select(Clinic).order_by(Clinic.id)).first()
            if version is None or clinic is None:
                raise BenchError("no saved handout version after a download")
            return version, clinic

    def dispose(self) -> None:
        self.app.extensions["db_engine"].dispose()


def engine_objects():
    """The fetcher, font configuration and parsed print stylesheet our renderer uses.

    Taken from ``prescribe.handout.pdf._engine()`` (warm, shared with our path); built the same
    way from the module's public names if that helper is renamed or returns something else.
    """
    from prescribe.handout import pdf as module

    engine = getattr(module, "_engine", None)
    objects = engine() if callable(engine) else None
    if isinstance(objects, tuple) and len(objects) >= 3:
        return objects[:3]
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fetcher, fonts = module.make_fetcher(), FontConfiguration()
    return fetcher, fonts, CSS(filename=str(module.PRINT_CSS), url_fetcher=fetcher, font_config=fonts)


class BareEngine:
    """Bare WeasyPrint on our HTML, timed stage by stage.

    Plain WeasyPrint calls with only the inputs our output needs: the HTML and its base URL, the
    print stylesheet, a fetcher that can read the static folder (fonts), PDF/UA-1; warm objects
    from :func:`engine_objects`. Options that ``html_to_pdf`` adds on top (e.g. a shared image
    cache) are not copied here: they count as part of our path.

    Parse = ``HTML(string=...)``; style+layout = ``.render(...)``; PDF write = ``.write_pdf(...)``.
    """

    def __init__(self) -> None:
        from prescribe.handout import pdf as module

        self.fetcher, self.fonts, self.stylesheet = engine_objects()
        self.base_url = module.STATIC_ROOT.as_uri() + "/"
        self.variant = getattr(module, "PDF_VARIANT", None)

    def render(self, html: str) -> tuple[bytes, int, dict[str, float]]:
        from weasyprint import HTML

        variant = {"pdf_variant": self.variant} if self.variant else {}
        t0 = perf_counter()
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        t1 = perf_counter()
        rendered = document.render(stylesheets=[self.stylesheet], font_config=self.fonts,
                                   presentational_hints=False, **variant)
        t2 = perf_counter()
        pdf = rendered.write_pdf(pdf_identifier=b"bench", **variant)
        t3 = perf_counter()
        return pdf, len(rendered.pages), {"parse": t1 - t0, "layout": t2 - t1, "write": t3 - t2,
                                          "bare": t3 - t0}


def naive_render() -> bytes:
    """The naive baseline: WeasyPrint's defaults on the fixed reference HTML file.

    Default fetcher, a new font configuration per document, no shared stylesheet, no tagging.
    """
    from weasyprint import HTML

    return HTML(filename=str(NAIVE_HTML)).write_pdf()


@dataclass
class InProcessResults:
    """Samples in seconds per operation, PDF sizes in bytes, and facts worth printing.

    Wall-clock samples are named after the operation; ``*_cpu`` samples are this process's CPU
    time for the same calls (not inflated when other processes take the CPU).
    """

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sizes: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    download_sizes: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def measure_rounds(bench: InProcessApp, rounds: int, rng: random.Random, progress: Callable[[str], None],
                   deadline: float | None = None, min_rounds: int = 3) -> InProcessResults:
    """Figures 1, 2, 3 and 9: ours vs bare vs naive, reprints and stages, interleaved.

    Runs ``rounds`` rounds, or fewer (but at least ``min_rounds``) when ``deadline``
    (``time.monotonic()``) has passed.
    """
    from prescribe.clinics import branding_for
    from prescribe.handout import build_handout_view, render_handout_html
    from prescribe.storage import program_of

    results = InProcessResults()
    names = (f"Bench Patient {i}" for i in itertools.count())
    etags: set[str] = set()

    # Warm-up download: saves the version that the reprints fetch and the bare render re-renders.
    first_pdf, first_etag = bench.download(next(names))
    etags.add(first_etag)
    version, clinic = bench.latest_version()
    program, branding = program_of(version), branding_for(clinic)
    exact_html = render_handout_html(build_handout_view(program, bench.catalog, branding))
    reprint_url = f"/handouts/{version.handout_id}/versions/{version.number}.pdf"
    engine = BareEngine()
    record = False

    def ours() -> None:
        t0, c0 = perf_counter(), process_time()
        pdf, etag = bench.download(next(names))
        elapsed, cpu = perf_counter() - t0, process_time() - c0
        if etag in etags:
            raise BenchError("a download was served from a stored version instead of rendering")
        etags.add(etag)
        if record:
            results.samples["ours"].append(elapsed)
            results.samples["ours_cpu"].append(cpu)
            results.download_sizes.append(len(pdf))
            results.sizes["ours"] = len(pdf)

    def html_build() -> None:
        renamed = replace(program, patient_name=next(names))  # a new program, like every download
        t0 = perf_counter()
        render_handout_html(build_handout_view(renamed, bench.catalog, branding))
        if record:
            results.samples["html_build"].append(perf_counter() - t0)

    def bare() -> None:
        c0 = process_time()
        pdf, pages, stages = engine.render(exact_html)
        stages["bare_cpu"] = process_time() - c0
        if record:
            for name, seconds in stages.items():
                results.samples[name].append(seconds)
            results.sizes["bare"], results.pages["bare"] = len(pdf), pages

    def naive() -> None:
        t0, c0 = perf_counter(), process_time()
        pdf = naive_render()
        if record:
            results.samples["naive"].append(perf_counter() - t0)
            results.samples["naive_cpu"].append(process_time() - c0)
            results.sizes["naive"] = len(pdf)

    def reprint() -> None:
        t0 = perf_counter()
        response = bench.client.get(reprint_url)
        body = response.get_data()
        elapsed = perf_counter() - t0
        expect_pdf(response.status_code, body, f"GET {reprint_url}")
        if body != version.pdf:
            raise BenchError("a reprint did not return the stored bytes")
        if record:
            results.samples["reprint"].append(elapsed)

    def reprint_not_modified() -> None:
        t0 = perf_counter()
        response = bench.client.get(reprint_url, headers={"If-None-Match": f'"{version.pdf_sha256}"'})
        elapsed = perf_counter() - t0
        if response.status_code != 304:
            raise BenchError(f"a conditional reprint answered {response.status_code}, not 304")
        if record:
            results.samples["reprint_304"].append(elapsed)

    operations = [ours, html_build, bare, naive, reprint, reprint, reprint_not_modified]
    progress("in-process warm-up (one of each operation)")
    for operation in operations[1:]:
        operation()
    record = True
    for number in range(1, rounds + 1):
        if number > min_rounds and deadline is not None and monotonic() > deadline:
            results.notes.append(f"in-process: {number - 1} of {rounds} rounds fitted in the phase's time "
                                 f"allotment.")
            break
        progress(f"in-process round {number}/{rounds}: ours, HTML build, bare, naive, reprints")
        order = operations[:]
        rng.shuffle(order)
        for operation in order:
            operation()

    results.pages["ours"] = version.page_count
    if results.pages.get("bare") != version.page_count:
        results.notes.append(f"check: bare render has {results.pages.get('bare')} pages, "
                             f"our download {version.page_count}")
    results.sizes["first_download"] = len(first_pdf)
    return results


def largest_default_programs(bench: InProcessApp) -> list[tuple[str, int, int, int]]:
    """Figure 8b: render every default program with the most exercises (ties all rendered).

    Returns ``(diagnosis slug, exercises, PDF bytes, pages)`` for each, as the builder would
    print it for the default clinic (its paper size and branding, log page included).
    """
    from prescribe.clinics import branding_for
    from prescribe.handout import render_program
    from prescribe.programs import default_program

    _version, clinic = bench.latest_version()
    branding = branding_for(clinic)
    most = max(len(d.program) for d in bench.catalog.diagnoses.values())
    out = []
    for slug, diagnosis in sorted(bench.catalog.diagnoses.items()):
        if len(diagnosis.program) != most:
            continue
        program = default_program(diagnosis, bench.catalog, paper=clinic.default_paper)
        rendered = render_program(program, bench.catalog, branding,
                                  max_pages=bench.app.config["HANDOUT_MAX_PAGES"])
        out.append((slug, most, len(rendered.pdf), rendered.page_count))
    return out
