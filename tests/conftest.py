"""Shared fixtures: an app on a fresh database per test, signed-in clients, two clinics.

The database is SQLite, or PostgreSQL with ``PRESCRIBE_TEST_DATABASE=postgresql`` (``make test``
runs the suite both ways; see ``tests/databases.py``).

``client`` is signed in as a therapist of the default (demo) clinic, so feature tests read as
before; ``admin_client`` is that clinic's admin. ``clinics`` holds two more clinics, A and B, each
with an admin, a therapist, a logo and a saved handout, for the tests that check they stay apart.
CSRF stays on everywhere: tests read the token from the page.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import pytest

from prescribe import create_app
from prescribe.db import get_session
from scripts.loopback import form_fields  # noqa: F401 - one form reader for tests and scripts

from . import figures
from .databases import open_databases

# Hypothesis keeps its caches outside the work tree (tests run derandomised, with no example database).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "prescribe-hypothesis"))

TEST_PASSWORD = "Lilac-Kettle-Harbour-2041"
CANARY = "Zqxcanary Patient"


@lru_cache(maxsize=1)
def test_password_hash() -> str:
    """One real argon2id hash for every fixture user (hashing per user would cost 0.1 s each)."""
    from prescribe.accounts.passwords import hash_password

    return hash_password(TEST_PASSWORD)


DATABASES = None  # the session's SqliteDatabases or PostgresDatabases, set by the fixture below


@pytest.fixture(scope="session", autouse=True)
def databases(tmp_path_factory):
    """The session's database backend: the schema is migrated once, each test gets an empty copy."""
    global DATABASES
    DATABASES = open_databases(tmp_path_factory.mktemp("databases"))
    figures.DATABASE = DATABASES.description
    yield DATABASES
    DATABASES.close()
    DATABASES = None


def database_url_for_test(tmp_path: Path) -> str:
    """The test's database, empty and migrated (every app made in one test shares it)."""
    return DATABASES.url_for_test(tmp_path)


def make_app(tmp_path: Path, **overrides):
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": overrides.pop("DATABASE_URL", None) or database_url_for_test(tmp_path),
        "SESSION_COOKIE_SECURE": True,  # as in production; the test client sends it over http
        "POSTGRES_BIN": DATABASES.postgres_bin,
        **overrides,
    })


@pytest.fixture
def app(tmp_path: Path):
    app = make_app(tmp_path)
    yield app
    app.extensions["webhooks"].stop()  # no sender outlives its test's database
    app.extensions["db_engine"].dispose()


@dataclass(frozen=True)
class Account:
    """A fixture user as plain data (ORM objects do not outlive their session)."""

    id: int
    email: str
    role: str
    clinic_id: int
    password: str = TEST_PASSWORD


@dataclass
class ClinicData:
    """One clinic of the ``clinics`` fixture, with the ids and markers that must never leak."""

    id: int
    slug: str
    name: str
    admin: Account
    therapist: Account
    handout_id: int
    version_number: int
    patient_id: int
    template_id: int
    patient_name: str
    pdf: bytes
    logo: bytes
    markers: list[str] = field(default_factory=list)
    link_id: int = 0  # a link to the patient's page of the handout's version
    link_token: str = ""
    api_token_id: int = 0  # an API token of the clinic's therapist
    api_token_secret: str = ""
    webhook_id: int = 0  # a webhook of the clinic (its address holds the marker "<slug>-hook")


def add_user(app, clinic_id: int, email: str, role: str = "therapist", **values) -> Account:
    from prescribe.models import User

    with app.app_context():
        db = get_session()
        user = User(clinic_id=clinic_id, email=email, role=role, name=values.pop("name", email.split("@")[0]),
                    password_hash=test_password_hash(), **values)
        db.add(user)
        db.commit()
        return Account(user.id, user.email, user.role, clinic_id)


def sign_in(app, client, account: Account):
    """Sign ``client`` in as ``account`` the way the sign-in page does, without hashing again."""
    from prescribe.accounts.sessions import start_session
    from prescribe.models import User, utcnow
    from prescribe.web.guard import SESSION_TOKEN_KEY

    with app.app_context():
        db = get_session()
        token = start_session(db, db.get(User, account.id), utcnow())
        db.commit()
    with client.session_transaction() as session:
        session.clear()
        session[SESSION_TOKEN_KEY] = token
    return client


def default_clinic_id(app) -> int:
    from prescribe.clinics import ensure_default_clinic

    with app.app_context():
        return ensure_default_clinic(get_session(), Path(app.instance_path)).id


@pytest.fixture
def default_therapist(app) -> Account:
    return add_user(app, default_clinic_id(app), "therapist@riverside.example", "therapist", name="Tess Therapist")


@pytest.fixture
def default_admin(app) -> Account:
    return add_user(app, default_clinic_id(app), "admin.user@riverside.example", "admin", name="Ada Admin")


@pytest.fixture
def client(app, default_therapist):
    """Signed in as a therapist of the default clinic."""
    return sign_in(app, app.test_client(), default_therapist)


@pytest.fixture
def admin_client(app, default_admin):
    """Signed in as the default clinic's admin."""
    return sign_in(app, app.test_client(), default_admin)


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def client_for(app):
    """A new test client signed in as the given account."""
    return lambda account: sign_in(app, app.test_client(), account)


def png_bytes(size=(300, 120), colour=(29, 111, 184)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _make_clinic(app, slug: str, name: str, colour: tuple[int, int, int], patient: str) -> ClinicData:
    from prescribe.clinics import process_logo
    from prescribe.models import Clinic, Handout, HandoutVersion, Patient, ProgramTemplate
    from prescribe.programs import default_program

    with app.app_context():
        default_clinic_id(app)  # the demo clinic keeps id 1, as in a real database
        db = get_session()
        logo = process_logo(png_bytes(colour=colour), max_bytes=1024 * 1024, max_pixels=2000)
        clinic = Clinic(slug=slug, name=name, phone="555 0100", logo_png=logo,
                        address=f"{name} street", footer_line=f"{name} footer")
        db.add(clinic)
        db.flush()
        catalog = app.extensions["catalog"]
        program = default_program(catalog.diagnoses["hip-pain"], catalog, today=date(2026, 11, 21))
        from dataclasses import replace

        program = replace(program, patient_name=patient)
        patient_row = Patient(clinic_id=clinic.id, display_name=patient, reference=f"{slug}-ref-42")
        db.add(patient_row)
        db.flush()
        handout = Handout(clinic_id=clinic.id, diagnosis_slug="hip-pain", diagnosis_name="Hip pain",
                          patient_name=patient, patient_id=patient_row.id)
        db.add(handout)
        template = ProgramTemplate(clinic_id=clinic.id, name=f"{name} template", diagnosis_slug="hip-pain",
                                   program_json=json.dumps(replace(program, patient_name="").as_dict()))
        db.add(template)
        db.flush()
        pdf = f"%PDF-1.7 fake bytes of {slug} {patient}".encode()
        version = HandoutVersion(handout_id=handout.id, number=1, program_json=json.dumps(program.as_dict()),
                                 filename="hip-pain-2026-11-21.pdf", pdf=pdf,
                                 pdf_sha256=hashlib.sha256(pdf).hexdigest(), page_count=3)
        db.add(version)
        db.flush()
        from prescribe import patient_links

        secrets = patient_links.new_secrets()
        link = patient_links.store(db, clinic, version, secrets, channel="print", user_id=None)
        from prescribe.models import Webhook

        webhook = Webhook(clinic_id=clinic.id, url=f"https://records.{slug}.example/{slug}-hook",
                          secret=f"whsec_{slug}", events="handout.printed")
        db.add(webhook)
        db.commit()
        clinic_id, handout_id, patient_id, template_id = clinic.id, handout.id, patient_row.id, template.id
        link_id, link_token, webhook_id = link.id, secrets.token, webhook.id
    admin = add_user(app, clinic_id, f"admin@{slug}.example", "admin", name=f"{name} Admin")
    therapist = add_user(app, clinic_id, f"therapist@{slug}.example", "therapist", name=f"{name} Therapist")
    api_token_id, api_token_secret = _make_api_token(app, therapist, f"{name} token")
    return ClinicData(id=clinic_id, slug=slug, name=name, admin=admin, therapist=therapist,
                      handout_id=handout_id, version_number=1, patient_id=patient_id, template_id=template_id,
                      patient_name=patient, pdf=pdf, logo=logo, link_id=link_id, link_token=link_token,
                      api_token_id=api_token_id, api_token_secret=api_token_secret, webhook_id=webhook_id,
                      markers=[name, patient, admin.email, therapist.email, f"{name} footer", f"{slug}-ref-42",
                               f"{name} template", f"{slug}-hook"])


def _make_api_token(app, account: Account, name: str) -> tuple[int, str]:
    """An API token of ``account`` (its id and secret), stored as the service stores one."""
    from prescribe import api_tokens
    from prescribe.models import ApiToken

    secret = api_tokens.new_secret()
    with app.app_context():
        db = get_session()
        token = ApiToken(clinic_id=account.clinic_id, user_id=account.id, name=name, scope="read-write",
                         token_hash=api_tokens.digest(secret))
        db.add(token)
        db.commit()
        return token.id, secret


@pytest.fixture
def clinics(app) -> dict[str, ClinicData]:
    """Clinics A and B side by side, each with an admin, a therapist, a logo and a handout."""
    return {
        "A": _make_clinic(app, "alpha", "Alpha Physio Markerclinic", (200, 30, 30), "Zqxcanary Alphapatient"),
        "B": _make_clinic(app, "bravo", "Bravo Rehab Markerclinic", (30, 160, 60), "Zqxcanary Bravopatient"),
    }


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def catalog(app):
    return app.extensions["catalog"]


@pytest.fixture
def weasyprint_log(caplog):
    """Everything WeasyPrint logged at warning level or above during the test."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield lambda: [r for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def page_csrf_token(client, path: str = "/account/") -> str:
    """A valid CSRF token of ``client``'s session, read from a page that has a form."""
    return csrf_token(client.get(path).get_data(as_text=True))


def pytest_report_header(config):
    from .databases import requested_backend

    return f"database: {requested_backend()} (set PRESCRIBE_TEST_DATABASE=postgresql for PostgreSQL)"


def pytest_terminal_summary(terminalreporter):
    """The security figures the tests counted (routes probed, CSRF refusals, generated inputs)."""
    if figures.DATABASE:
        terminalreporter.section("database")
        terminalreporter.write_line(f"suite ran on: {figures.DATABASE}")
    if figures.NOTES:
        terminalreporter.section("durability figures")
        for line in figures.NOTES:
            terminalreporter.write_line(line)
    lines = figures.summary_lines()
    if lines:
        terminalreporter.section("security figures")
        for line in lines:
            terminalreporter.write_line(line)


def builder_form(client, diagnosis: str) -> dict[str, str | list[str]]:
    """The builder's form fields exactly as a browser would submit them, with nothing changed."""
    return form_fields(client.get(f"/build/{diagnosis}").get_data(as_text=True))


# Modules about the printed page (what a handout prints, how it lays out): their app only carries
# the program to the renderer, so the PostgreSQL pass leaves them to the SQLite pass.
PRINTED_PAGE_MODULES = frozenset({
    "test_handout_pdf.py", "test_print_options.py", "test_handout_truth.py", "test_pdf_safety.py",
    "test_handout_lists.py", "test_advice.py", "test_spanish_handout.py", "test_handout_speed.py", "test_cli.py"})
OWN_DATABASE = re.compile(r"\b(make_app|create_app|database_url_for_test|engine_for|open_databases)\(")


@cache
def _module_makes_an_app(path: str) -> bool:
    return bool(OWN_DATABASE.search(Path(path).read_text(encoding="utf-8")))


def _makes_its_own_app(item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and Path(module.__file__).name != "conftest.py" and _module_makes_an_app(module.__file__)


def pytest_collection_modifyitems(config, items):
    """How ``make test`` (scripts/run_tests.py) shares the suite out; nothing changes when the
    variables are unset.

    ``PRESCRIBE_DATABASE_TESTS_ONLY=1`` keeps the tests that use a database: those using the ``app``
    fixture, and every test of a module that makes its own app or engine, but for the modules about
    the printed page (PRINTED_PAGE_MODULES). The PostgreSQL pass runs those, the SQLite pass runs
    everything. ``PRESCRIBE_PART=k/N`` keeps part
    ``k`` of ``N``: tests are grouped by the handout they render (their ``slug`` parameter; else
    each test alone) and the groups dealt out in turn, so a handout is rendered in one part only.
    """
    keep = items
    if os.environ.get("PRESCRIBE_DATABASE_TESTS_ONLY") == "1":
        keep = [item for item in keep
                if ("app" in getattr(item, "fixturenames", ()) or _makes_its_own_app(item))
                and Path(str(item.fspath)).name not in PRINTED_PAGE_MODULES]
    part = os.environ.get("PRESCRIBE_PART", "")
    if part:
        index, count = (int(n) for n in part.split("/"))

        def group(item) -> str:
            callspec = getattr(item, "callspec", None)
            slug = callspec.params.get("slug") if callspec else None
            return f"slug:{slug}" if slug else item.nodeid

        groups = sorted({group(item) for item in keep})
        mine = {key for number, key in enumerate(groups) if number % count == index}
        keep = [item for item in keep if group(item) in mine]
    if len(keep) != len(items):
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = keep
