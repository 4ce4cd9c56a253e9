"""What one patient's handout shares with every other patient's on the same program, and what is theirs.

A handout is the same document for every patient given the same program by the same clinic, but for
a few blocks: the letterhead and the header of later pages (the patient's name, the date), the facts
table under the title (name, reference, therapist, dates) and the way to the patient's page (a printed version's
QR code and short code). The templates mark each of those blocks ``data-personal``: anything a
handout comes to print of the patient must go inside one, or the shared layout's stand-in is what
prints there (the byte-identity tests in tests/test_handout_speed.py would fail).

:func:`split` turns a handout's view into two: the *shared* view, those blocks filled with stand-ins
(the same for every patient), whose layout is kept (prescribe/handout/layouts.py) and reused; and
the *personal* view, the real handout cut after its personal blocks, which is all a request lays out.
:func:`prescribe.handout.weasy_internals.splice_personal` then puts the personal blocks into the kept
pages, but only where each takes exactly the room its stand-in took, so that everything around it
lies where a full layout of the real handout would put it: the PDF is byte for byte that of the full
layout (tests/test_handout_speed.py), or the full layout runs instead.
"""

from __future__ import annotations

from dataclasses import replace

from .view import PREVIEW_CODE, QR_PLACEHOLDER, HandoutView

# Stand-ins of the same shape as what they stand for: one line each, as nearly every name is.
NAME = "Xxxxx Xxxxxxxx"
REFERENCE = "XXX-0000"
DATE = "00 Xxxxxxxx 0000"


def _stand_in(code: str) -> str:
    """A short code's stand-in: the same shape (K7QM2-XRT4P -> XXXXX-XXXXX), the preview's words as they are."""
    return code if code == PREVIEW_CODE else "".join("X" if ch.isalnum() else ch for ch in code)


def split(view: HandoutView) -> tuple[HandoutView, HandoutView] | None:
    """(shared view, personal view) of ``view``; None for a bilingual handout, whose second part
    repeats the facts table further on (it is laid out whole)."""
    if view.second is not None:
        return None
    shared = replace(
        view,
        patient_name=NAME if view.patient_name else "",
        patient_reference=REFERENCE if view.patient_reference else "",
        therapist_name=NAME if view.therapist_name else "",
        handout_date=DATE,
        next_visit=DATE if view.next_visit else "",
        # A printed version's own code and QR code; a preview (which says where they will be) is its own shape.
        phone=replace(view.phone, qr_uri=QR_PLACEHOLDER, code=_stand_in(view.phone.code)) if view.phone else None,
    )
    return shared, replace(view, personal_only=True)
