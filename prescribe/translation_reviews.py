"""A clinic's clinicians check the content translations its handouts print.

Every content file's translation ships with a status: ``draft`` (a first translation nobody has
checked) or ``reviewed`` (checked before it shipped). A clinic admin who reads a draft against its
English and finds it says the same marks it reviewed for the clinic: one row per file and exact text
(:attr:`prescribe.catalog.Translation.text_hash`), audited. The clinic's handouts that print only
checked texts carry no draft line; a later change to the text or its English needs a new review.

Services take a session and plain values and never commit: the calling view does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog import Catalog
from .models import TranslationReview, User, utcnow

# The kinds of content file (their folder; "" for the files of the whole handout), in the order the
# review page lists them.
KINDS = ("diagnoses", "exercises", "illustrations", "advice_pictures", "")


class ReviewError(ValueError):
    """A review the rules refuse; the message is shown next to the form."""


@dataclass(frozen=True)
class TextStatus:
    """One content file's translation as a clinic sees it."""

    file: str
    kind: str  # one of KINDS
    title: str  # what the therapist knows it as: the exercise's name, "Picture: Bridge"
    shipped_status: str  # draft | reviewed, as the content file says
    translated_by: str
    reviewed_by: str = ""  # the clinic's reviewer, when the clinic checked this exact text
    reviewed_at: datetime | None = None

    @property
    def checked(self) -> bool:
        return self.shipped_status == "reviewed" or self.reviewed_at is not None


def _title(catalog: Catalog, file: str) -> str:
    folder, _, name = file.partition("/")
    slug = name.removesuffix(".toml")
    if folder == "diagnoses" and slug in catalog.diagnoses:
        return catalog.diagnoses[slug].name
    if folder in ("exercises", "illustrations") and slug in catalog.exercises:
        return catalog.exercises[slug].name
    if folder == "advice_pictures" and slug in catalog.advice_pictures:
        return catalog.advice_pictures[slug].caption
    return {"handout.toml": "Fixed texts of every handout", "surgery.toml": "After surgery: approaches and weight",
            "regions.toml": "Body region names"}.get(file, file)


def _kind(file: str) -> str:
    folder = file.split("/", 1)[0] if "/" in file else ""
    return folder if folder in KINDS else ""


def reviewed_translations(session: Session, clinic_id: int) -> frozenset[tuple[str, str, str]]:
    """Every (language, file, text_hash) the clinic has checked: what Catalog.unchecked and the
    handout's draft line take."""
    rows = session.execute(select(TranslationReview.language, TranslationReview.file, TranslationReview.text_hash)
                           .where(TranslationReview.clinic_id == clinic_id))
    return frozenset((row.language, row.file, row.text_hash) for row in rows)


def reviews_of(session: Session, clinic_id: int, language: str) -> dict[tuple[str, str], TranslationReview]:
    """The clinic's reviews in ``language`` by (file, text_hash)."""
    rows = session.scalars(select(TranslationReview).where(TranslationReview.clinic_id == clinic_id,
                                                           TranslationReview.language == language)
                           .order_by(TranslationReview.reviewed_at))
    return {(row.file, row.text_hash): row for row in rows}


def text_statuses(session: Session, clinic_id: int, catalog: Catalog, language: str,
                  files: tuple[str, ...] | None = None) -> list[TextStatus]:
    """Every translated content file in ``language`` (or only ``files``), by kind then title."""
    reviews = reviews_of(session, clinic_id, language)
    found = []
    for file, translation in catalog.translations.get(language, {}).items():
        if files is not None and file not in files:
            continue
        review = reviews.get((file, translation.text_hash))
        found.append(TextStatus(file=file, kind=_kind(file), title=_title(catalog, file),
                                shipped_status=translation.status, translated_by=translation.translated_by,
                                reviewed_by=review.reviewer_name if review else "",
                                reviewed_at=review.reviewed_at if review else None))
    return sorted(found, key=lambda t: (KINDS.index(t.kind), t.title.lower(), t.file))


def mark_reviewed(session: Session, clinic_id: int, user: User, catalog: Catalog, language: str,
                  file: str) -> TranslationReview:
    """Record that ``user`` checked ``file``'s current ``language`` text for the clinic (once per text)."""
    translation = catalog.translation(language, file)
    if translation is None:
        raise ReviewError("That text has no translation to review.")
    existing = reviews_of(session, clinic_id, language).get((file, translation.text_hash))
    if existing is not None:
        return existing
    review = TranslationReview(clinic_id=clinic_id, language=language, file=file, text_hash=translation.text_hash,
                               reviewed_by=user.id, reviewer_name=(user.name or user.email)[:120],
                               reviewed_at=utcnow())
    session.add(review)
    session.flush()
    return review
