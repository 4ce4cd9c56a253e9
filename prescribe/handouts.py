"""Handouts: preview, print and reprint, as plain functions over a session.

The builder's and the saved handouts' views call these. Each call reads what it needs in one short
transaction, renders outside any transaction (a render takes a second or two, and on SQLite every
transaction holds the write lock: the other workers would wait for the PDF), then writes in one
short transaction, its audit row included. Calls take plain values (ids, a Program, an
:class:`Actor`) and return plain data (:class:`HandoutPdf`); they never read Flask's ``g`` or the
request. They own their transactions: call them outside any ``transaction()`` block.

In a zero-PHI clinic the database keeps the program without the patient's name; the copy handed
over, with the name, is rendered on the side and never stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import audit, patient_links, webhooks
from .catalog import Catalog
from .clinics import branding_for
from .db import note_storage_trouble, storage_trouble, transaction
from .fhir import version_bundle
from .handout import (
    HandoutTooLong,
    PhoneLink,
    RenderCache,
    RenderedPdf,
    keep_shared_layout,
    layout_cache_full,
    render_key,
    render_program,
)
from .models import Clinic, Handout
from .patients import patient_for_print
from .programs import Program, default_program, with_changes
from .storage import (
    count_handouts,
    find_identical_version,
    get_handout,
    get_version,
    keep_preview,
    latest_version,
    page_of_handouts,
    program_of,
    save_version,
    shared_preview,
    stored_program,
)

__all__ = ["Actor", "FhirExport", "HandoutPdf", "HandoutTooLong", "Printer", "Progression", "log_access", "preview",
           "print_handout", "progression", "version_fhir", "version_pdf"]


@dataclass(frozen=True)
class Actor:
    """Who asks, as the audit log records it: their clinic (the only one they see), id and address."""

    clinic_id: int
    user_id: int | None
    ip: str = ""


@dataclass(frozen=True)
class Printer:
    """What rendering needs from the app: the catalog, this process's render cache, the page limit."""

    catalog: Catalog
    cache: RenderCache
    max_pages: int = 20


@dataclass(frozen=True)
class HandoutPdf:
    """A PDF to hand over: its bytes, file name and strong ETag, and the version it is (if stored)."""

    pdf: bytes
    filename: str
    etag: str
    handout_id: int | None = None
    version_number: int | None = None


@dataclass(frozen=True)
class FhirExport:
    """A stored version as a FHIR R4 Bundle: its JSON bytes and file name (the PDF's, ``.fhir.json``)."""

    data: bytes
    filename: str


@dataclass(frozen=True)
class Progression:
    """A saved handout's latest program, to open in the builder for the next version."""

    handout_id: int
    patient_id: int | None
    version_number: int
    program: Program


def preview(session: Session, actor: Actor, printer: Printer, program: Program, *, handout_id: int | None = None,
            show_changes: bool = False, logged: bool = True, page_base: str | None = None) -> HandoutPdf:
    """``program`` as the builder shows it, saving nothing (a preview may be shared with other app servers).

    A saved handout's preview is logged, unless ``logged`` is false: the builder page rendering
    ahead while the therapist edits, which sends nothing out of the server. With ``page_base``
    (the server's address) page 1 shows where the printed copy's QR code and short code go.
    """
    with transaction(session):
        clinic = _clinic(session, actor)
        handout = get_handout(session, clinic, handout_id) if handout_id else None
        program = _with_changes(program, handout, show_changes, printer.catalog)
    phone = patient_links.placeholder_link(page_base) if page_base else None
    rendered = _rendered_once(session, clinic, program, printer, share=True, phone=phone)
    if handout is not None and logged:
        with transaction(session):
            _audit(session, actor, "handout_preview", handout.id)
    return HandoutPdf(rendered.pdf, "preview.pdf", _etag(rendered.pdf), handout.id if handout else None)


def warm_layouts(session: Session, printer: Printer, *, page_base: str,
                 stop: Callable[[], bool] = lambda: False) -> int:
    """Keep the shared layout of every diagnosis's default program, as each clinic's builder first
    previews it for a patient (the clinic's paper, layout, print and language; page 1 showing where
    the printed copy's code goes), until the layout cache is full or ``stop()``: a gunicorn worker's
    warm-up (gunicorn.conf.py). Renders nothing a patient sees and keeps no patient data; returns how
    many layouts were kept."""
    with transaction(session):
        clinics = [(branding_for(clinic), clinic.default_paper, clinic.default_layout, clinic.default_greyscale,
                    clinic.default_language) for clinic in session.scalars(select(Clinic).order_by(Clinic.id))]
    phone = patient_links.placeholder_link(page_base)
    kept = 0
    for branding, paper, layout, greyscale, language in clinics:
        for diagnosis in printer.catalog.diagnoses.values():
            if stop():
                return kept
            program = default_program(diagnosis, printer.catalog, today=date.today(), paper=paper, layout=layout,
                                      greyscale=greyscale, language=language)
            # Who the patient is does not shape the layout, only that a name is printed.
            program = replace(program, patient_name="-")
            if keep_shared_layout(program, printer.catalog, branding, max_pages=printer.max_pages, phone=phone):
                kept += 1
            elif layout_cache_full():
                return kept
    return kept


def print_handout(session: Session, actor: Actor, printer: Printer, program: Program, *,
                  handout_id: int | None = None, show_changes: bool = False,
                  patient_id: int | None = None, page_base: str | None = None) -> HandoutPdf:
    """Print ``program``: the identical stored version if there is one, else a new version, saved.

    A new version belongs to handout ``handout_id`` (else a new handout) and to the patient
    ``patient_id`` (updated to what is printed), or to a patient made from the printed name and
    reference. With ``show_changes`` the "What changed since your last visit" box compares with
    the handout's latest version. With ``page_base`` (the server's address, ``https://clinic.example``)
    a new version prints the QR code and short code of its own patient's page. Raises
    :class:`HandoutTooLong` (nothing saved).
    """
    with transaction(session):
        clinic = _clinic(session, actor)
        handout = get_handout(session, clinic, handout_id) if handout_id else None
        program = _with_changes(program, handout, show_changes, printer.catalog)
        stored = stored_program(clinic, program)
        version = find_identical_version(session, clinic, stored, handout)
    link = patient_links.new_secrets() if page_base else None
    phone = patient_links.phone_link(page_base, link) if page_base and link else None
    if version is None:
        rendered = _rendered_once(session, clinic, stored, printer, share=False, phone=phone)
        with transaction(session):
            patient = patient_for_print(session, clinic, patient_id, program.patient_name,
                                        program.patient_reference, program.affected_side, program.language)
            diagnosis_name = printer.catalog.diagnoses[program.diagnosis].name
            version = save_version(session, clinic, stored, diagnosis_name, rendered, handout, patient)
            if link is not None:
                patient_links.store(session, clinic, version, link, channel="print", user_id=actor.user_id)
            _audit(session, actor, "handout_print", version.handout_id, f"version {version.number}")
            webhooks.enqueue(session, clinic.id, "handout.printed",
                             webhooks.printed_event(version, program.diagnosis, page_base))
    else:
        with transaction(session):
            if link is not None and stored != program:  # a new named copy: its own QR code
                patient_links.store(session, clinic, version, link, channel="print", user_id=actor.user_id)
            _audit(session, actor, "handout_print", version.handout_id, f"version {version.number} again")
    # The copy handed over: the stored bytes, or (zero-PHI, with a name) the named copy, never stored.
    pdf = (version.pdf if stored == program
           else _rendered_once(session, clinic, program, printer, share=False, phone=phone).pdf)
    return HandoutPdf(pdf, version.filename, _etag(pdf), version.handout_id, version.number)


def version_pdf(session: Session, actor: Actor, handout_id: int, number: int) -> HandoutPdf | None:
    """A stored version's exact bytes, for a reprint (logged as an export); None if the clinic has no such version."""
    with transaction(session):
        version = get_version(session, _clinic(session, actor), handout_id, number)
        if version is None:
            return None
        _audit(session, actor, "handout_export", handout_id, f"version {number}")
    return HandoutPdf(version.pdf, version.filename, version.pdf_sha256, handout_id, number)


def version_fhir(session: Session, actor: Actor, handout_id: int, number: int,
                 catalog: Catalog) -> FhirExport | None:
    """A stored version as a FHIR R4 Bundle (:mod:`prescribe.fhir`), logged as an export; None if the
    clinic has no such version. The same version always gives the same bytes."""
    with transaction(session):
        clinic = _clinic(session, actor)
        version = get_version(session, clinic, handout_id, number)
        if version is None:
            return None
        bundle = version_bundle(clinic, version, catalog)
        filename = version.filename.removesuffix(".pdf") + ".fhir.json"
        _audit(session, actor, "handout_fhir_export", handout_id, f"version {number}")
    return FhirExport(json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8"), filename)


@dataclass(frozen=True)
class VersionSummary:
    number: int
    printed_at: datetime
    page_count: int
    pdf_sha256: str
    filename: str


@dataclass(frozen=True)
class HandoutSummary:
    """A saved handout as a list or the API shows it: its diagnosis, patient and versions."""

    id: int
    diagnosis_slug: str
    diagnosis_name: str
    patient_id: int | None
    patient_name: str  # "" in a zero-PHI clinic, or when none was printed
    created_at: datetime
    updated_at: datetime
    versions: tuple[VersionSummary, ...]


def list_handouts(session: Session, actor: Actor, *, offset: int = 0,
                  limit: int = 20) -> tuple[list[HandoutSummary], int]:
    """The clinic's handouts, most recently printed first, a page at a time, and how many there are."""
    with transaction(session):
        clinic = _clinic(session, actor)
        total = count_handouts(session, clinic)
        return [_summary(h) for h in page_of_handouts(session, clinic, offset=offset, limit=limit)], total


def handout_summary(session: Session, actor: Actor, handout_id: int) -> HandoutSummary | None:
    """One of the clinic's handouts (logged as viewed), or None."""
    with transaction(session):
        handout = get_handout(session, _clinic(session, actor), handout_id)
        if handout is None:
            return None
        _audit(session, actor, "handout_view", handout.id)
        return _summary(handout)


def _summary(handout: Handout) -> HandoutSummary:
    return HandoutSummary(
        id=handout.id, diagnosis_slug=handout.diagnosis_slug, diagnosis_name=handout.diagnosis_name,
        patient_id=handout.patient_id, patient_name=handout.patient_name, created_at=handout.created_at,
        updated_at=handout.updated_at,
        versions=tuple(VersionSummary(v.number, v.created_at, v.page_count, v.pdf_sha256, v.filename)
                       for v in handout.versions))


def progression(session: Session, actor: Actor, handout_id: int) -> Progression | None:
    """The handout's latest program (its "what changed" box cleared) to progress in the builder; reads only.

    The view logs the opening with :func:`log_access` once its page is drawn.
    """
    with transaction(session):
        handout = get_handout(session, _clinic(session, actor), handout_id)
        if handout is None:
            return None
        latest = latest_version(handout)
        return Progression(handout.id, handout.patient_id, latest.number, replace(program_of(latest), changes=()))


def log_access(session: Session, actor: Actor, action: str, handout_id: int, detail: str = "") -> None:
    """Log that ``actor`` saw a handout (``handout_view``, ``handout_edit``): a page already drawn."""
    with transaction(session):
        _audit(session, actor, action, handout_id, detail)


def _clinic(session: Session, actor: Actor) -> Clinic:
    clinic = session.get(Clinic, actor.clinic_id)
    if clinic is None:
        raise LookupError(f"No clinic {actor.clinic_id}")
    return clinic


def _with_changes(program: Program, handout: Handout | None, show_changes: bool, catalog: Catalog) -> Program:
    """``program`` with its "What changed since your last visit" box, compared with the handout's latest version."""
    if handout is None or not show_changes:
        return program
    return with_changes(program, program_of(latest_version(handout)), catalog)


def _audit(session: Session, actor: Actor, action: str, handout_id: int, detail: str = "") -> None:
    audit.record(session, action, clinic_id=actor.clinic_id, user_id=actor.user_id, object_type="handout",
                 object_id=handout_id, detail=detail, ip=actor.ip)


def _etag(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def _rendered_once(session: Session, clinic: Clinic, program: Program, printer: Printer, *,
                   share: bool, phone: PhoneLink | None = None) -> RenderedPdf:
    """The PDF of ``program`` for ``clinic``, rendered at most once for a while.

    Looks in this process's cache, then at the previews other app servers rendered lately; only
    then renders (outside any transaction), and keeps the result in the cache and, with ``share``,
    in the database too (never for a zero-PHI clinic: a preview carries the name). Rendering is
    deterministic, so a kept PDF is byte for byte what a render would give.
    """
    branding = branding_for(clinic)
    key = render_key(program, branding, printer.catalog, phone)
    rendered = printer.cache.get(key)
    if rendered is not None:
        return rendered
    with transaction(session):
        rendered = shared_preview(session, clinic, key)
    if rendered is None:
        rendered = render_program(program, printer.catalog, branding, max_pages=printer.max_pages, phone=phone)
        if share and not clinic.zero_phi:
            try:
                with transaction(session):
                    keep_preview(session, clinic, key, rendered)
            except DBAPIError as error:  # sharing is an optimisation: a full disk still shows the preview
                trouble = storage_trouble(error)
                if trouble is None:
                    raise
                note_storage_trouble(trouble)
    printer.cache.put(key, rendered)
    return rendered
