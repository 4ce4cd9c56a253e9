"""The builder's form: the whole tailored program as posted, row by row. Field rules live next to their fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from prescribe.catalog import Catalog
from prescribe.catalog.loader import DOSE_LIMITS
from prescribe.handout.view import DRAFT_NOTE
from prescribe.program_templates import SCOPES as TEMPLATE_SCOPES
from prescribe.programs import (
    ADVICE_SECTIONS,
    AFFECTED_SIDES,
    DOSE_FIELDS,
    DOSE_FIELDS_USED,
    HANDOUT_LANGUAGES,
    LAYOUTS,
    MAX_EXERCISES,
    PAPER_SIZES,
    SIDES,
    WEIGHT_BEARING,
    AdviceLine,
    Precaution,
    Program,
    ProgramItem,
    default_side,
    dose_of_kind,
    handout_languages,
    stands_on_operated_leg,
)

from ..forms import (
    AFFECTED_SIDE_LABELS,
    GREYSCALE_HELP,
    HANDOUT_LANGUAGE_LABELS,
    LAYOUT_HELP,
    LAYOUT_LABELS,
    PAPER_LABELS,
    SIDE_LABELS,
    WEIGHT_BEARING_LABELS,
    AppForm,
    checkbox_value,
    choices,
    layout_choice,
    plain_text,
)
from ..numbers import WholeNumberField, parse_whole

OWN_LINES_MAX = 8
LINE_MAX = 200
OWN_LINES_MAXLENGTH = OWN_LINES_MAX * (LINE_MAX + 2)  # eight full lines and their line breaks
RESISTANCE_MAXLENGTH = 40
NOTE_MAXLENGTH = 200


SIDE_CHOICES = choices({"": "—", **SIDES}, SIDE_LABELS)
TEMPLATE_SCOPE_LABELS = {"personal": _l("Just for me"), "clinic": _l("For the whole clinic")}
OWN_LINES_LABEL = _l("Your own lines (one per line)")
REGION_PROBLEM = _l("Choose a body region from the list, or all regions.")


def _range(name: str, label: str, seconds: bool = False) -> WholeNumberField:
    low, high = DOSE_LIMITS[name]
    message = (_l("Enter a number from %(low)d to %(high)d seconds.", low=low, high=high) if seconds
               else _l("Enter a number from %(low)d to %(high)d.", low=low, high=high))
    return WholeNumberField(label, validators=[Optional()], low=low, high=high, message=message)


class ExerciseRowForm(Form):
    """One exercise row of the builder (a plain Form: the builder's token covers it)."""

    exercise = HiddenField()
    sets = _range("sets", _l("Sets"))
    reps = _range("reps", _l("Reps"))
    hold_seconds = _range("hold_seconds", _l("Hold (seconds)"), seconds=True)
    minutes = _range("minutes", _l("Minutes"))
    rest_seconds = _range("rest_seconds", _l("Rest (seconds)"), seconds=True)
    times_per_day = _range("times_per_day", _l("Times a day"))
    days_per_week = _range("days_per_week", _l("Days a week"))
    side = SelectField(_l("Side"), choices=SIDE_CHOICES, validate_choice=True)
    # The side this row was last given by the affected side; while ``side`` still equals it the row
    # follows the affected side, and once the therapist picks another side it keeps that choice.
    side_default = HiddenField()
    resistance = StringField(_l("Band or weight"), validators=[
        Length(max=RESISTANCE_MAXLENGTH, message=_l("Keep this under %(max)d characters.", max=RESISTANCE_MAXLENGTH)),
        plain_text])
    note = TextAreaField(_l("Note to the patient"), validators=[
        Length(max=NOTE_MAXLENGTH, message=_l("Keep the note under %(max)d characters.", max=NOTE_MAXLENGTH)),
        plain_text])


class AdviceRowForm(Form):
    text = HiddenField(validators=[Length(max=LINE_MAX), plain_text])
    included = BooleanField()


class PrecautionRowForm(Form):
    move = HiddenField(validators=[Length(max=40), plain_text])
    text = HiddenField(validators=[Length(max=LINE_MAX), plain_text])
    included = BooleanField()


class RowList(FieldList):
    """Repeating rows whose index in a field name (``exercises-2-sets``) is read by the app's parser:
    WTForms' own reading accepts ``exercises-²-sets`` as a row and then fails on ``int("²")``."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = parse_whole(key[offset:].split(self._field_separator, 1)[0], max_digits=3)
                if index is not None:
                    yield index


def _own_lines(label: Any) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=OWN_LINES_MAXLENGTH), plain_text])


def _passes(field, form) -> bool:
    """True when ``field``'s own validators accept its value (an empty optional value passes)."""
    field.errors = []  # validators such as Optional edit the list; validate() starts a new one
    for validator in field.validators:
        try:
            validator(form, field)
        except StopValidation:
            return True
        except ValidationError:
            return False
    return True


def split_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class BuilderForm(AppForm):
    """The whole tailored program: patient details, exercises with doses, advice, print options."""

    diagnosis = HiddenField(validators=[DataRequired()])
    handout_id = HiddenField()
    patient_id = HiddenField()
    patient_name = StringField(_l("Patient name as printed"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters.")), plain_text])
    patient_reference = StringField(_l("Reference number"), validators=[
        Optional(), Length(max=40, message=_l("Keep the reference under 40 characters.")), plain_text])
    affected_side = SelectField(_l("Affected side"), choices=choices(AFFECTED_SIDES, AFFECTED_SIDE_LABELS))
    # Shown only after surgery (other programs post neither): checked by their validate_ methods. The
    # approaches offered are those of the diagnosis's region (set per form from the catalog).
    approach = SelectField(_l("Surgical approach"), choices=choices({"": "—"}), validate_choice=False)
    weight_bearing = SelectField(_l("Weight on the operated leg"),
                                 choices=choices({"": "—", **WEIGHT_BEARING}, WEIGHT_BEARING_LABELS),
                                 validate_choice=False)
    start_gently = BooleanField(_l("Start gently: 1 or 2 days a week at first, adding a day each week"))
    therapist_name = StringField(_l("Therapist"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters.")), plain_text])
    handout_date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date of this handout."))])
    next_visit = DateField(_l("Next visit"), validators=[Optional()])
    paper = SelectField(_l("Paper size"), choices=choices(PAPER_SIZES, PAPER_LABELS))
    # Only the languages the diagnosis is ready for (set per form from the catalog).
    language = SelectField(_l("Handout language"), choices=choices({"en": HANDOUT_LANGUAGES["en"]}), default="en",
                           validate_choice=False)
    layout = SelectField(_l("Layout"), choices=choices(LAYOUTS, LAYOUT_LABELS), default="standard",
                         validate_choice=False, validators=[layout_choice], description=LAYOUT_HELP)
    greyscale = BooleanField(_l("Print in greys (black-and-white printer)"), validators=[checkbox_value],
                             description=GREYSCALE_HELP)
    include_log = BooleanField(_l("Include the 2-week exercise log page"))
    show_changes = BooleanField(_l("Print “What changed since your last visit”"))
    template_name = StringField(_l("Template name"), validators=[
        Length(max=80, message=_l("Keep the name under 80 characters.")), plain_text])
    template_scope = SelectField(_l("Template for"), choices=choices(TEMPLATE_SCOPES, TEMPLATE_SCOPE_LABELS),
                                 default="personal")
    exercises = RowList(FormField(ExerciseRowForm), max_entries=MAX_EXERCISES + 1)
    activity_modifications = RowList(FormField(AdviceRowForm), max_entries=30)
    sitting_advice = RowList(FormField(AdviceRowForm), max_entries=30)
    sleep_advice = RowList(FormField(AdviceRowForm), max_entries=30)
    red_flags_emergency = RowList(FormField(AdviceRowForm), max_entries=30)
    red_flags_today = RowList(FormField(AdviceRowForm), max_entries=30)
    red_flags_next_visit = RowList(FormField(AdviceRowForm), max_entries=30)
    precautions = RowList(FormField(PrecautionRowForm), max_entries=20)
    own_activity_modifications = _own_lines(OWN_LINES_LABEL)
    own_sitting_advice = _own_lines(OWN_LINES_LABEL)
    own_sleep_advice = _own_lines(OWN_LINES_LABEL)
    own_red_flags_emergency = _own_lines(OWN_LINES_LABEL)
    own_red_flags_today = _own_lines(OWN_LINES_LABEL)
    own_red_flags_next_visit = _own_lines(OWN_LINES_LABEL)
    catalog_query = StringField(_l("Find an exercise"), validators=[Length(max=60)])
    # Limits the search to one body region (choices from the catalog); any exercise may still be added.
    catalog_region = SelectField(_l("Body region"), choices=choices({"": _l("All regions")}), default="",
                                 validate_choice=False)

    def __init__(self, *args, catalog: Catalog, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        # The translations the clinic has checked (the view sets them; the note then matches the handout).
        self.reviewed_translations: frozenset[tuple[str, str, str]] = frozenset()
        self._offer_approaches()
        self.language.choices = choices({key: HANDOUT_LANGUAGES[key] for key in self.languages},
                                        HANDOUT_LANGUAGE_LABELS)
        self.catalog_region.choices = choices({"": _("All regions"),
                                               **{key: r.label for key, r in catalog.regions.items()}})
        self._follow_affected_side()

    @property
    def approaches(self) -> dict[str, str]:
        """The surgical approaches of the diagnosis's region, key -> label (none unless after surgery)."""
        diagnosis = self.catalog.diagnosis(self.diagnosis.data or "")
        return {key: a.label for key, a in self.catalog.approaches_for(diagnosis).items()} if diagnosis else {}

    @property
    def only_approach(self) -> str:
        """The approach's label when the region has only one (the page then does not ask), else ""."""
        offered = self.approaches
        return next(iter(offered.values())) if len(offered) == 1 else ""

    @property
    def languages(self) -> tuple[str, ...]:
        """The handout languages offered: English, and Spanish and bilingual once the diagnosis is ready."""
        return handout_languages(self.catalog, self.diagnosis.data or "")

    @property
    def language_note(self) -> str:
        """Said beside the language list: that only English is offered, or, for a Spanish or bilingual
        handout printing a draft translation, the note the handout prints too."""
        if self.languages == ("en",):
            return _("Spanish is not ready for this diagnosis yet.")
        if self.language.data in ("es", "en-es") and self._prints_draft():
            return DRAFT_NOTE
        return ""

    def _prints_draft(self) -> bool:
        diagnosis = self.catalog.diagnosis(self.diagnosis.data or "")
        if diagnosis is None:
            return False
        files = [*self.catalog.handout_files(diagnosis),
                 *(f"{folder}/{row.form.exercise.data}.toml" for row in self.exercises.entries
                   for folder in ("exercises", "illustrations"))]
        return bool(self.catalog.unchecked("es", files, self.reviewed_translations))

    def _offer_approaches(self) -> None:
        """The approach list holds the region's approaches; with only one, it is chosen."""
        offered = self.approaches
        self.approach.choices = choices({"": "—", **offered})
        if len(offered) == 1 and not self.approach.data:
            self.approach.data = next(iter(offered))

    @property
    def after_surgery(self) -> bool:
        diagnosis = self.catalog.diagnosis(self.diagnosis.data or "")
        return bool(diagnosis and diagnosis.surgery)

    def _follow_affected_side(self) -> None:
        """Rows whose side still follows the affected side take its current default."""
        for row in self.exercises.entries:
            exercise = self.catalog.exercise(row.form.exercise.data or "")
            if exercise is None or not exercise.per_side:
                continue
            if row.form.side_default.data not in SIDES:  # nothing, or not a side: the row keeps its side
                continue
            if row.form.side.data == row.form.side_default.data:
                side = default_side(exercise, self.affected_side.data or "", self.after_surgery)
                row.form.side.data = row.form.side_default.data = side

    def ready_to_print(self) -> bool:
        """A one-sided region's handout (the shoulder) needs the affected side. After surgery, a handout
        needs the approach, the operated side and the weight-bearing
        status the surgeon set, and no exercise may stand on the operated leg (call after validate)."""
        diagnosis = self.catalog.diagnosis(self.diagnosis.data or "")
        region = self.catalog.regions.get(diagnosis.region) if diagnosis else None
        if region is not None and region.side_needed and self.affected_side.data not in ("left", "right"):
            self.affected_side.errors = [*self.affected_side.errors,
                                         _("Choose the affected side (left or right): the steps speak of the "
                                           "sore %(region)s and the good one.", region=region.label.lower())]
            return False
        if not self.after_surgery:
            return True
        ready = True
        for field, missing, message in (
            (self.approach, not self.approach.data, _("Choose the surgical approach the surgeon used.")),
            (self.affected_side, self.affected_side.data not in ("left", "right"),
             _("Choose the operated side (left or right).")),
            (self.weight_bearing, not self.weight_bearing.data, _("Choose the weight the surgeon allows on that leg.")),
        ):
            if missing:
                field.errors = [*field.errors, message]
                ready = False
        operated = self.affected_side.data or ""
        for row in self.exercises.entries:
            exercise = self.catalog.exercise(row.form.exercise.data or "")
            if exercise and stands_on_operated_leg(exercise, row.form.side.data or "", operated):
                row.form.side.errors = [*row.form.side.errors,
                                        _("After surgery, the other leg takes the weight: choose the operated side "
                                          "for the leg that moves.") if exercise.stands_on == "other" else
                                        _("This one stands on the working leg: not on the operated leg after "
                                          "surgery.")]
                ready = False
        return ready

    def validate_diagnosis(self, field: HiddenField) -> None:
        if self.catalog.diagnosis(field.data or "") is None:
            raise ValidationError(_("Unknown diagnosis. Please start again from the diagnosis list."))

    def validate_language(self, field: SelectField) -> None:
        if (field.data or "en") not in self.languages:
            wanted = field.data
            field.data = "en"
            raise ValidationError(_("Spanish is not ready for this diagnosis yet.") if wanted in HANDOUT_LANGUAGES
                                  else _("Choose one of the languages in the list."))
        if field.data in ("es", "en-es"):
            untranslated = [exercise.name for row in self.exercises.entries
                            if (exercise := self.catalog.exercise(row.form.exercise.data or "")) is not None
                            and self.catalog.translation("es", f"exercises/{exercise.slug}.toml") is None]
            if untranslated:
                raise ValidationError(_("Not ready in Spanish yet: %(names)s. Remove it, or print in English.",
                                        names=", ".join(untranslated)))

    def validate_approach(self, field: SelectField) -> None:
        if field.data and field.data not in self.approaches:
            field.data = ""
            raise ValidationError(_("Choose one of the approaches in the list."))

    def validate_catalog_region(self, field: SelectField) -> None:
        if field.data and field.data not in self.catalog.regions:
            field.data = ""
            raise ValidationError(REGION_PROBLEM)

    def validate_weight_bearing(self, field: SelectField) -> None:
        if field.data and field.data not in WEIGHT_BEARING:
            field.data = ""
            raise ValidationError(_("Choose one of the weight-bearing statuses in the list."))

    def validate_next_visit(self, field: DateField) -> None:
        if field.data and self.handout_date.data and field.data < self.handout_date.data:
            raise ValidationError(_("The next visit cannot be before the handout date."))

    def validate_exercises(self, field: FieldList) -> None:
        if len(field.entries) == 0:
            raise ValidationError(_("Add at least one exercise."))
        if len(field.entries) > MAX_EXERCISES:
            raise ValidationError(_("A program can have at most %(max)d exercises.", max=MAX_EXERCISES))

    def validate(self, extra_validators=None) -> bool:
        for row in self.exercises.entries:
            self._relax_hidden_inputs(row.form)
        valid = super().validate(extra_validators)
        for row in self.exercises.entries:
            valid &= self._validate_row(row.form)
        for name in ADVICE_SECTIONS:
            own = getattr(self, f"own_{name}")
            lines = split_lines(own.data)
            if len(lines) > OWN_LINES_MAX:
                own.errors.append(_("Add at most %(max)d lines here.", max=OWN_LINES_MAX))
                valid = False
            if any(len(line) > LINE_MAX for line in lines):
                own.errors.append(_("Keep each line under %(max)d characters.", max=LINE_MAX))
                valid = False
        return valid

    def _relax_hidden_inputs(self, row: ExerciseRowForm) -> None:
        """Skip checks on a row's inputs its exercise does not use (the page keeps them hidden).

        An error on an input nobody can see could not be fixed. A value that would fail is
        dropped (``to_program`` then uses its default), while the raw text still goes back into
        the page, so nothing typed is lost.
        """
        exercise = self.catalog.exercise(row.exercise.data or "")
        kind = exercise.dose_kind if exercise else "reps"  # the page shows an unknown row as reps
        unused = set(DOSE_FIELDS) - set(DOSE_FIELDS_USED[kind])
        if exercise is not None and not exercise.per_side:
            unused.add("side")
        for name in unused:
            field = row[name]
            if field.process_errors or not _passes(field, row):
                field.data = None
            field.validators = []
            field.process_errors = []
            if name == "side":
                field.data = ""
                field.validate_choice = False

    def _validate_row(self, row: ExerciseRowForm) -> bool:
        exercise = self.catalog.exercise(row.exercise.data or "")
        if exercise is None:
            row.exercise.errors.append(_("This exercise is not in the catalog. Remove it and add another."))
            return False
        needed = {"reps": ["sets", "reps"], "hold": ["sets", "hold_seconds"],
                  "minutes": ["minutes"]}[exercise.dose_kind]
        needed += ["times_per_day", "days_per_week"]
        valid = True
        for name in needed:
            field = row[name]
            if field.data is None and not field.errors:
                field.errors.append(_("Enter a number.") if field.raw_data and field.raw_data[0].strip()
                                    else _("This is needed."))
                valid = False
        if not exercise.per_side and row.side.data:
            row.side.data = ""
        if exercise.per_side and not row.side.data:
            row.side.errors.append(_("Choose a side."))
            valid = False
        return valid

    def to_program(self) -> Program:
        """The validated form as a :class:`Program` (call only after ``validate()``)."""
        items = []
        for row in self.exercises.entries:
            data = row.form
            exercise = self.catalog.exercises[data.exercise.data]
            dose = dose_of_kind(exercise.dose_kind, {name: data[name].data for name in (
                *DOSE_FIELDS, "times_per_day", "days_per_week")})
            items.append(ProgramItem(exercise=exercise.slug, dose=dose, side=data.side.data or "",
                                     resistance=(data.resistance.data or "").strip(),
                                     note=(data.note.data or "").strip()))
        sections: dict[str, Any] = {}  # the advice sections, by Program field
        for name in ADVICE_SECTIONS:
            rows = [AdviceLine(r.form.text.data, bool(r.form.included.data))
                    for r in getattr(self, name).entries if (r.form.text.data or "").strip()]
            rows += [AdviceLine(line, True, custom=True)
                     for line in split_lines(getattr(self, f"own_{name}").data)]
            sections[name] = tuple(rows)
        return Program(
            diagnosis=self.diagnosis.data,
            items=tuple(items),
            precautions=tuple(Precaution(r.form.move.data, r.form.text.data, bool(r.form.included.data))
                              for r in self.precautions.entries),
            patient_name=(self.patient_name.data or "").strip(),
            patient_reference=(self.patient_reference.data or "").strip(),
            affected_side=self.affected_side.data or "",
            therapist_name=(self.therapist_name.data or "").strip(),
            handout_date=self.handout_date.data or date.today(),
            next_visit=self.next_visit.data,
            paper=self.paper.data,
            language=self.language.data if self.language.data in self.languages else "en",
            layout=self.layout.data if self.layout.data in LAYOUTS else "standard",
            greyscale=bool(self.greyscale.data),
            include_log=bool(self.include_log.data),
            start_gently=bool(self.start_gently.data),
            approach=(self.approach.data or "") if self.after_surgery else "",
            weight_bearing=(self.weight_bearing.data or "") if self.after_surgery else "",
            **sections,
        )


def form_data_from_program(program: Program, catalog: Catalog | None = None) -> dict:
    """Initial form data for a program (a diagnosis default or a saved version).

    With the catalog, a row whose side is its default for the affected side follows that side
    from then on (``side_default``); without it, every row follows.
    """
    diagnosis = catalog.diagnosis(program.diagnosis) if catalog else None

    def follows(item: ProgramItem) -> str:
        exercise = catalog.exercise(item.exercise) if catalog else None
        if catalog is None:
            return item.side
        if exercise is None:
            return ""
        default = default_side(exercise, program.affected_side, bool(diagnosis and diagnosis.surgery))
        return item.side if item.side == default else ""

    data = {
        "diagnosis": program.diagnosis,
        "patient_name": program.patient_name,
        "patient_reference": program.patient_reference,
        "affected_side": program.affected_side,
        "therapist_name": program.therapist_name,
        "handout_date": program.handout_date,
        "next_visit": program.next_visit,
        "paper": program.paper,
        "language": program.language,
        "layout": program.layout,
        "greyscale": program.greyscale,
        "include_log": program.include_log,
        "start_gently": program.start_gently,
        "approach": program.approach,
        "weight_bearing": program.weight_bearing,
        "exercises": [
            {"exercise": item.exercise, **item.dose.as_dict(), "side": item.side,
             "side_default": follows(item), "resistance": item.resistance, "note": item.note}
            for item in program.items
        ],
        "precautions": [{"move": p.move, "text": p.text, "included": p.included}
                        for p in program.precautions],
    }
    for name in ADVICE_SECTIONS:
        lines = getattr(program, name)
        data[name] = [{"text": a.text, "included": a.included} for a in lines if not a.custom]
        data[f"own_{name}"] = "\n".join(a.text for a in lines if a.custom)
    return data


