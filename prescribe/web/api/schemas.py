"""What the API takes and returns, as pydantic models: spectree validates with them and writes the
OpenAPI 3.1 document from them (``/api/v1/openapi.json``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from .problems import FieldProblem

MAX_PER_PAGE = 100


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000, description="1 for the first page")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class PageLinks(BaseModel):
    """This API's paths of the first, previous, next and last pages (none where there is no such page)."""

    first: str
    prev: str | None
    next: str | None
    last: str


class SearchQuery(PageQuery):
    q: str = Field("", max_length=80, description="words of a name, alias, position or equipment; empty: all")
    region: str = Field("", max_length=20, description="only exercises used for this body region (hip, knee, "
                                                         "low-back, shoulder; any other matches none); empty: all")


class DoseOut(BaseModel):
    sets: int
    reps: int | None
    hold_seconds: int | None
    rest_seconds: int
    times_per_day: int
    days_per_week: int
    minutes: int | None


class IcdOut(BaseModel):
    code: str
    label: str


class DiagnosisOut(BaseModel):
    slug: str
    region: str = Field(description="the body region (hip, knee, low-back, shoulder)")
    name: str
    summary: str
    icd10: list[IcdOut]


class ProgramEntryOut(BaseModel):
    exercise: str
    dose: DoseOut


class DiagnosisDetail(DiagnosisOut):
    explanation: list[str]
    goal: str
    program: list[ProgramEntryOut] = Field(description="the default program, with its default doses")
    red_flags_emergency: list[str]
    red_flags_today: list[str]
    red_flags_next_visit: list[str]


class DiagnosisList(BaseModel):
    items: list[DiagnosisOut]


class ExerciseOut(BaseModel):
    slug: str
    name: str
    aliases: list[str]
    purpose: str
    category: str
    position: str
    equipment: list[str]
    per_side: bool
    regions: list[str] = Field(description="the body regions it is used for; any program may add it")
    easier: str | None
    harder: str | None
    figure: str | None = Field(description="the figure as SVG, this API's path (none: not drawn yet)")


class ExerciseDetail(ExerciseOut):
    steps: list[str] = Field(description="as written in the catalog: {hold} and the like are filled from the dose")
    tips: list[str]
    stop_if: str
    dose: DoseOut


class ExercisePage(BaseModel):
    items: list[ExerciseOut]
    total: int
    page: int
    per_page: int
    links: PageLinks


class VersionOut(BaseModel):
    number: int
    printed_at: datetime
    page_count: int
    pdf_sha256: str
    filename: str
    pdf: str = Field(description="this API's path of the exact PDF printed")
    fhir: str = Field(description="this API's path of the version as a FHIR R4 Bundle")


class HandoutOut(BaseModel):
    id: int
    diagnosis: str
    diagnosis_name: str
    patient_id: int | None
    patient_name: str = Field(description="empty in a zero-PHI clinic, or when no name was printed")
    created_at: datetime
    updated_at: datetime
    versions: list[VersionOut]


class HandoutPage(BaseModel):
    items: list[HandoutOut]
    total: int
    page: int
    per_page: int
    links: PageLinks


# Programs: one shape in and out. The integrator builds one from a diagnosis, changes what it wants
# and sends it back whole to check, preview, print or save as a template; the builder's own form
# checks it, so the API accepts exactly what the builder accepts, with the builder's messages.

SECTION_HELP = "omitted or null: the diagnosis's own lines, all ticked; [] prints none"


class ExerciseRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exercise: str = Field(max_length=80, description="an exercise slug from /exercises")
    sets: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    reps: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    hold_seconds: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    minutes: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    rest_seconds: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    times_per_day: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    days_per_week: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    side: str = Field("", max_length=20, description="left, right, both or alternate; per-side exercises only")
    resistance: str = Field("", max_length=400, description="band colour or weight, as printed")
    note: str = Field("", max_length=2000, description="a note to the patient, printed under the exercise")


class AdviceLineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=2000)
    included: bool = True
    custom: bool = Field(False, description="the therapist's own line rather than the diagnosis's")


class PrecautionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    move: str = Field(max_length=80, description="a movement tag: exercises showing it get a warning")
    text: str = Field(max_length=2000)
    included: bool = True


class ProgramBody(BaseModel):
    """A whole tailored program, as the builder holds it."""

    model_config = ConfigDict(extra="forbid")

    diagnosis: str = Field(max_length=80, description="a diagnosis slug from /diagnoses")
    exercises: list[ExerciseRow] = Field(max_length=100)
    patient_name: str = Field("", max_length=400, description="as printed (never stored in a zero-PHI clinic)")
    patient_reference: str = Field("", max_length=400)
    affected_side: str = Field("", max_length=20, description="'', left, right or both")
    therapist_name: str = Field("", max_length=400)
    handout_date: date | None = Field(None, description="null: today")
    next_visit: date | None = None
    paper: str | None = Field(None, max_length=20, description="letter or a4; null: the clinic's default")
    layout: str | None = Field(None, max_length=20, description="standard, compact or large; null: the clinic's")
    greyscale: bool | None = Field(None, description="null: the clinic's default")
    language: str | None = Field(None, max_length=10,
                                 description="en, es (Spanish) or en-es (bilingual: Spanish, then English); only "
                                             "the languages the diagnosis is ready for; null: the clinic's "
                                             "default, or English where the diagnosis is not ready")
    include_log: bool = True
    start_gently: bool = False
    approach: str = Field("", max_length=40, description="after surgery: the surgical approach")
    weight_bearing: str = Field("", max_length=40, description="after surgery: full, as-tolerated, partial, touch-down")
    activity_modifications: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    sitting_advice: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    sleep_advice: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    red_flags_emergency: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    red_flags_today: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    red_flags_next_visit: list[AdviceLineBody] | None = Field(None, max_length=60, description=SECTION_HELP)
    precautions: list[PrecautionBody] | None = Field(None, max_length=40, description=SECTION_HELP)


class BuildBody(BaseModel):
    """A diagnosis's default program (or a template's), made out to a patient, with doses changed."""

    model_config = ConfigDict(extra="forbid")

    diagnosis: str | None = Field(None, max_length=80, description="a diagnosis slug; or give template_id")
    template_id: int | None = Field(None, ge=1, le=2**31 - 1, description="start from this template instead")
    patient_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                   description="make it out to this patient (name, reference, side)")
    affected_side: str | None = Field(None, max_length=20, description="left, right or both; per-side rows follow it")
    change: list[ExerciseRow] = Field(default_factory=list, max_length=40,
                                      description="rows matched by exercise: the fields given replace the "
                                                  "default's; an exercise not in the program is added at the end")
    remove: list[str] = Field(default_factory=list, max_length=40, description="exercise slugs to leave out")


class FieldWarning(BaseModel):
    field: str = Field(description="the row, e.g. exercises.2")
    exercise: str
    message: str


class CheckedProgram(BaseModel):
    """A program as the builder sees it: its errors by field, its safety warnings, ready to print or not."""

    valid: bool = Field(description="no field errors: it can be saved as a template")
    ready_to_print: bool = Field(description="valid, and after surgery the surgeon's details are given")
    errors: list[FieldProblem]
    warnings: list[FieldWarning] = Field(description="exercises that go against a ticked precaution: advice, "
                                                     "not a block")
    program: ProgramBody


class PrintBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program: ProgramBody
    patient_id: int | None = Field(None, ge=1, le=2**31 - 1, description="the patient the handout belongs to")
    show_changes: bool = Field(False, description="print 'What changed since your last visit' (a new version)")


class PrintedOut(BaseModel):
    handout: HandoutOut
    version: int = Field(description="the version printed (an identical earlier one is reused)")
    pdf: str = Field(description="this API's path of the exact PDF")


class PatientBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str = Field("", max_length=400, description="dropped in a zero-PHI clinic")
    reference: str = Field("", max_length=400, description="the clinic's own reference number")
    affected_side: str = Field("", max_length=20)


class PatientOut(BaseModel):
    id: int
    display_name: str
    reference: str
    affected_side: str
    updated_at: datetime
    handouts: list[str] = Field(description="this API's paths of the patient's handouts, newest first")


class PatientQuery(PageQuery):
    q: str = Field("", max_length=80, description="part of a name or reference; empty: the latest")


class PatientPage(BaseModel):
    items: list[PatientOut]
    total: int
    page: int
    per_page: int
    links: PageLinks


class TemplateOut(BaseModel):
    id: int
    name: str
    scope: str = Field(description="personal or clinic")
    diagnosis: str
    updated_at: datetime


class TemplateDetail(TemplateOut):
    program: ProgramBody


class TemplateList(BaseModel):
    items: list[TemplateOut]


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=400)
    scope: str = Field("personal", max_length=20, description="personal or clinic")
    program: ProgramBody
