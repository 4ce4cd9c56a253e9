"""The app's form base and the clinic settings and patient forms (the builder's: web/builder/forms.py;
sign-in and accounts: auth_forms). Field rules live next to their fields."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    ColorField,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from prescribe.colour import MIN_CONTRAST, contrast_ratio, nearest_passing_shade
from prescribe.programs import (
    AFFECTED_SIDES,
    HANDOUT_LANGUAGES,
    LAYOUTS,
    PAPER_SIZES,
)

from .widgets import FastRenderMeta


class AppForm(FlaskForm):
    """Base of the app's forms: Flask-WTF's CSRF token, inputs written by :mod:`prescribe.web.widgets`."""

    class Meta(FastRenderMeta):
        pass

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        errors_as_text(self)
        return valid


def errors_as_text(form) -> None:
    """Turn the lazy messages of the fields' rules (written once, in the page's language when shown)
    into plain text, in place: the API's models and ``isinstance(error, str)`` take only text."""
    for field in form:
        if isinstance(field, FormField):
            errors_as_text(field.form)
            continue
        for entry in getattr(field, "entries", ()):
            if isinstance(entry, FormField):
                errors_as_text(entry.form)
            else:
                _text_in_place(entry.errors)
        _text_in_place(field.errors)


def _text_in_place(errors) -> None:
    if isinstance(errors, list):
        errors[:] = [str(error) if isinstance(error, LazyString) else error for error in errors]


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(form, field) -> None:
    """Refuse invisible control characters (NUL and the like; tabs and line breaks are fine).

    Nobody types them on purpose, PostgreSQL cannot store NUL in text, and a PDF cannot print them.
    """
    if isinstance(field.data, str) and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(_("Remove the invisible control characters from this text."))


def choices(options: dict[str, str], labels: dict[str, Any] | None = None) -> list[SelectChoice]:
    """Select options from a value -> label mapping, in order; ``labels`` (value -> the label in the
    page's language) wins where it names the value."""
    return [SelectChoice(value, (labels or {}).get(value, label)) for value, label in options.items()]


# The programs' option labels as the app's pages show them, in the page's language (the handout
# prints its own words in its own language). A value missing here shows its English label.
SIDE_LABELS = {"": "—", "both": _l("Both sides"), "left": _l("Left only"), "right": _l("Right only"),
               "alternate": _l("Alternate sides")}
AFFECTED_SIDE_LABELS = {"": _l("Not shown"), "left": _l("Left"), "right": _l("Right"), "both": _l("Both")}
PAPER_LABELS = {"letter": _l("Letter"), "a4": _l("A4")}
HANDOUT_LANGUAGE_LABELS = {"en": _l("English"), "es": _l("Spanish (español)"),
                           "en-es": _l("Bilingual: Spanish, then English")}
LAYOUT_LABELS = {"standard": _l("Standard"), "compact": _l("Compact: fewer pages"), "large": _l("Large print")}
WEIGHT_BEARING_LABELS = {"": "—", "full": _l("Full weight"), "as-tolerated": _l("As tolerated"),
                         "partial": _l("Partial weight"), "touch-down": _l("Touch-down (toes only)")}




LAYOUT_HELP = _l("Compact fits 2 or 3 exercises on a page for the fewest pages. Large print has 16 pt text "
                 "and larger pictures, for patients who find small print hard to read.")
GREYSCALE_HELP = _l("For black-and-white printers: pictures and colours in greys, the pain guide's lights marked "
                    "by their pattern, not only by colour.")
CHECKED_VALUES = ("y", "yes", "on", "true", "1")  # what a ticked box posts; "" or nothing is unticked


def layout_choice(form, field) -> None:
    """A layout posted that is not in the list is refused by name (the select shows Standard again)."""
    if field.data not in LAYOUTS:
        field.data = "standard"
        names = ", ".join(str(LAYOUT_LABELS.get(key, label)) for key, label in LAYOUTS.items())
        raise ValidationError(_("Choose one of the layouts in the list: %(layouts)s.", layouts=names))


def checkbox_value(form, field) -> None:
    """A checkbox posts its value when ticked and nothing when not; anything else is not a tick."""
    if field.raw_data and field.raw_data[0] not in ("", *CHECKED_VALUES):
        field.data = False
        raise ValidationError(_("Tick the box or leave it empty."))


class ClinicForm(AppForm):
    """The clinic's branding as printed on every handout."""

    name = StringField(_l("Clinic name"), validators=[
        DataRequired(message=_l("Enter the clinic's name.")), Length(max=120), plain_text])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200), plain_text])
    phone = StringField(_l("Phone"), validators=[
        Optional(), Length(max=40),
        Regexp(r"^[0-9+()./ \-]*$", message=_l("Use digits, spaces and + ( ) - . / only."))])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=120), plain_text])
    footer_line = StringField(_l("Footer line"), validators=[
        Optional(), Length(max=200, message=_l("Keep the footer line under 200 characters.")), plain_text])
    accent_colour = ColorField(_l("Accent colour"), validators=[
        DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #1d6fb8."))])
    default_paper = SelectField(_l("Default paper size"), choices=choices(PAPER_SIZES, PAPER_LABELS))
    default_layout = SelectField(_l("Default layout"), choices=choices(LAYOUTS, LAYOUT_LABELS), default="standard",
                                 validate_choice=False, validators=[layout_choice], description=LAYOUT_HELP)
    default_greyscale = BooleanField(_l("Print in greys by default (black-and-white printer)"),
                                     validators=[checkbox_value], description=GREYSCALE_HELP)
    default_language = SelectField(_l("Default handout language"),
                                   choices=choices(HANDOUT_LANGUAGES, HANDOUT_LANGUAGE_LABELS), default="en",
                                   description=_l("A diagnosis whose Spanish is not ready yet prints in English."))
    emergency_number = StringField(_l("Emergency number"), filters=[lambda value: value.strip() if value else value],
                                   validators=[
        DataRequired(message=_l("Enter the emergency number patients call, such as 911.")),
        Regexp(r"^[0-9]{2,6}$", message=_l("Use 2 to 6 digits only, such as 911, 999, 112 or 000."))])
    logo = FileField(_l("Logo (PNG or JPEG, up to 1 MB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))
    zero_phi = BooleanField(_l("Zero-PHI mode: never store patient names"))
    link_days = IntegerField(_l("Days a patient's link works"), default=90, validators=[
        InputRequired(message=_l("Enter how many days a link works, such as 90.")),
        NumberRange(min=1, max=730, message=_l("Use 1 to 730 days."))])
    link_to_newer = BooleanField(_l("A superseded handout's page links to the newest one"))
    share_progress = BooleanField(_l("Patients' ticks and pain scores are sent to the clinic"))
    email_pdf = BooleanField(_l("Emails to patients carry the PDF too"))

    # The nearest shade that passes when the accent colour is too light (shown as a preview).
    accent_suggestion: str = ""

    def validate_accent_colour(self, field: ColorField) -> None:
        if field.errors or not re.fullmatch(r"#[0-9a-fA-F]{6}", field.data or ""):
            return  # the format's own message says what is wrong
        ratio = contrast_ratio(field.data)
        if ratio < MIN_CONTRAST:
            self.accent_suggestion = nearest_passing_shade(field.data.lower())
            raise ValidationError(_(
                "This colour is too light for arrows and text on white paper: %(ratio)s to 1, and "
                "%(needed)s to 1 is needed. The nearest shade that passes is %(shade)s.",
                ratio=f"{ratio:.1f}", needed=f"{MIN_CONTRAST:g}", shade=self.accent_suggestion))

    def validate_website(self, field: StringField) -> None:
        if field.data and not re.match(r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", field.data, re.I):
            raise ValidationError(_("Enter a web address like clinic.example or https://clinic.example."))


class PatientForm(AppForm):
    """A patient's details: what a handout prints about them, and nothing more."""

    display_name = StringField(_l("Name"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters.")), plain_text])
    reference = StringField(_l("Reference number"), validators=[
        Optional(), Length(max=40, message=_l("Keep the reference under 40 characters.")), plain_text])
    affected_side = SelectField(_l("Affected side"), choices=choices(AFFECTED_SIDES, AFFECTED_SIDE_LABELS), default="")

    def __init__(self, *args, zero_phi: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.zero_phi = zero_phi

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        name = "" if self.zero_phi else (self.display_name.data or "").strip()
        if valid and not name and not (self.reference.data or "").strip():
            self.reference.errors.append(_("Enter a reference number.") if self.zero_phi
                                         else _("Enter a name or a reference number."))
            return False
        return valid


__all__ = ["AppForm", "ClinicForm", "PatientForm", "URL"]
