"""What the API takes and returns, as pydantic models: spectree validates with them and writes the
OpenAPI 3.1 document from them (``/api/v1/openapi.json``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

MAX_PER_PAGE = 100


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000, description="1 for the first page")
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class SearchQuery(PageQuery):
    q: str = Field("", max_length=80, description="words of a name, alias, position or equipment; empty: all")


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
