"""Clinic settings → Translations: an admin reads each translated text beside its English and marks
it checked for the clinic (prescribe/translation_reviews.py); each mark is audited."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from prescribe import translation_reviews
from prescribe.catalog.model import CONTENT_LANGUAGES
from prescribe.db import get_session, transaction

from .context import admin_required, current_clinic, record_audit
from .forms import AppForm

bp = Blueprint("translation_review", __name__, url_prefix="/clinic/translations")

LANGUAGE = "es"  # the one content language so far (CONTENT_LANGUAGES)
SHOW = ("unchecked", "all")
# The therapist's words for a translation's fields (the content keys), in the side-by-side table.
FIELD_LABELS = {
    "name": _l("Name"), "purpose": _l("What it does"), "one_side": _l("One side"), "to_switch": _l("Switching sides"),
    "steps": _l("Step"), "tips": _l("Tip"), "stop_if": _l("Stop if"), "patient_name": _l("Name for the patient"),
    "explanation": _l("Explanation"), "goal": _l("Goal"), "how_long": _l("How long"),
    "activity_modifications": _l("Activity"), "sitting_advice": _l("Sitting"), "sleep_advice": _l("Sleeping"),
    "work_advice": _l("Work"), "red_flags_emergency": _l("Call 911 now if"),
    "red_flags_today": _l("Call us today if"), "red_flags_next_visit": _l("Tell us at your next visit if"),
    "progress": _l("When to do more"), "flare": _l("On a bad day"), "avoid": _l("Avoid"),
    "pain_guide": _l("Pain guide"), "alt": _l("Picture description"), "caption": _l("Caption"),
}


KIND_LABELS = {"diagnoses": _l("Diagnoses"), "exercises": _l("Exercises"), "illustrations": _l("Exercise pictures"),
               "advice_pictures": _l("Advice pictures"), "": _l("Whole handout")}


class ReviewForm(AppForm):
    confirm = BooleanField(
        _l("I read the Spanish against the English: it says the same, nothing added or left out."),
        validators=[DataRequired(message=_l("Tick the box to say you read the Spanish against the English."))])


def field_label(key: str) -> str:
    """"steps 3" -> "Step 3"; "pain_guide.green" -> "Pain guide: green"; an unknown key as it is."""
    name, _space, number = key.partition(" ")
    head, _dot, rest = name.partition(".")
    label = str(FIELD_LABELS.get(head, head))
    if rest:
        label += f": {rest.replace('approach.', '').replace('.', ' ')}"
    return f"{label} {number}".strip()


def _statuses(files: tuple[str, ...] | None = None):
    return translation_reviews.text_statuses(get_session(), current_clinic().id, current_app.extensions["catalog"],
                                             LANGUAGE, files)


@bp.get("/")
@admin_required
def index():
    """Every translated text with its status; by default only those nobody has checked yet."""
    catalog = current_app.extensions["catalog"]
    show = request.args.get("show", "unchecked")
    show = show if show in SHOW else "unchecked"
    slug = request.args.get("diagnosis", "")
    diagnosis = catalog.diagnoses.get(slug)
    texts = _statuses(catalog.handout_files(diagnosis) if diagnosis else None)
    checked = sum(1 for text in texts if text.checked)
    listed = [text for text in texts if show == "all" or not text.checked]
    groups = [(KIND_LABELS[kind], [t for t in listed if t.kind == kind]) for kind in translation_reviews.KINDS]
    return render_template("clinic/translations.html", groups=[g for g in groups if g[1]], show=show,
                           diagnosis=diagnosis, diagnoses=sorted(catalog.diagnoses.values(), key=lambda d: d.name),
                           checked=checked, total=len(texts), language_name=CONTENT_LANGUAGES[LANGUAGE])


def _translation_or_404(file: str):
    translation = current_app.extensions["catalog"].translation(LANGUAGE, file)
    if translation is None:
        abort(404)
    return translation


def _render_text(file: str, form: ReviewForm | None = None, status: int = 200):
    translation = _translation_or_404(file)
    text = next(t for t in _statuses((file,)))
    rows = [(field_label(key), english, spanish) for key, english, spanish in translation.side_by_side()]
    return render_template("clinic/translation.html", text=text, rows=rows,
                           form=form or ReviewForm(formdata=None), show=request.args.get("show", "unchecked")), status


@bp.get("/<path:file>")
@admin_required
def text(file: str):
    """One file's translation beside its English, with the form that marks it checked."""
    return _render_text(file)


@bp.post("/<path:file>")
@admin_required
def review(file: str):
    _translation_or_404(file)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_text(file, form, status=422)
    catalog = current_app.extensions["catalog"]
    with transaction() as db:
        translation_reviews.mark_reviewed(db, current_clinic().id, g.user, catalog, LANGUAGE, file)
        record_audit("translation_review", "translation", None, detail=f"{LANGUAGE} {file}")
    flash(_("Marked as checked: %(title)s. Your clinic's handouts no longer call it a draft.",
            title=next(t for t in _statuses((file,))).title))
    following = next((t for t in _statuses() if not t.checked), None)
    if following is not None:
        return redirect(url_for("translation_review.text", file=following.file))
    return redirect(url_for("translation_review.index"))
