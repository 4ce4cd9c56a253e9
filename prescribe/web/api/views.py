"""The API's operations: validate (spectree, from the models), call a service, respond."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from spectree import Response as Resp

from prescribe import handouts
from prescribe.catalog import Diagnosis, Dose, Exercise
from prescribe.db import get_session

from ..context import catalog
from ..guard import public
from .auth import current_caller, token_required
from .document import spec
from .problems import Problem, problem
from .schemas import (
    DiagnosisDetail,
    DiagnosisList,
    DiagnosisOut,
    DoseOut,
    ExerciseDetail,
    ExerciseOut,
    ExercisePage,
    HandoutOut,
    HandoutPage,
    IcdOut,
    PageLinks,
    PageQuery,
    ProgramEntryOut,
    SearchQuery,
    VersionOut,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
REFUSED = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_429": Problem}


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI 3.1 document of this API, written from the code."""
    return current_app.response_class(_document(), mimetype="application/json")


@bp.get("/docs")
@public
def docs():
    """The API's documentation: every operation and model, from the OpenAPI document (no CDN)."""
    import json

    doc = json.loads(_document())
    return render_template("api/docs.html", doc=doc, bodies=_body_fields(doc))


def _body_fields(doc: dict[str, Any]) -> dict[str, tuple[str, list[tuple[str, str, bool, str]]]]:
    """For each operation with a JSON body ("POST /handouts"): its model's name and fields
    (name, type, required, about), read from the document's components."""
    schemas = doc.get("components", {}).get("schemas", {})

    def resolved(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        parts = name.split(".")  # spectree's "Model.<hash>" and "Model.<hash>.Nested"
        return parts[-1] if len(parts) > 2 else parts[0], schemas.get(name, schema)

    def type_of(schema: dict[str, Any]) -> str:
        if "$ref" in schema:
            return resolved(schema)[0]
        if "anyOf" in schema:
            return " or ".join(type_of(s) for s in schema["anyOf"])
        if schema.get("type") == "array":
            return f"list of {type_of(schema.get('items', {}))}"
        return str(schema.get("format") or schema.get("type", "any"))

    found = {}
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if not body:
                continue
            name, model = resolved(body)
            required = set(model.get("required", ()))
            found[f"{method.upper()} {path}"] = (name, [
                (field, type_of(schema), field in required, schema.get("description", ""))
                for field, schema in model.get("properties", {}).items()])
    return found


@bp.get("/diagnoses")
@token_required
@spec.validate(resp=Resp(HTTP_200=DiagnosisList, **REFUSED), tags=["catalog"])
def diagnoses():
    """Every diagnosis with its ICD-10-CM codes."""
    return DiagnosisList(items=[_diagnosis(d) for d in catalog().diagnoses.values()])


@bp.get("/diagnoses/<slug>")
@token_required
@spec.validate(resp=Resp(HTTP_200=DiagnosisDetail, HTTP_404=Problem, **REFUSED), tags=["catalog"])
def diagnosis(slug: str):
    """A diagnosis: its explanation, default program and warning signs."""
    found = catalog().diagnosis(slug)
    if found is None:
        return problem(404, f"No diagnosis {slug!r}.")
    return DiagnosisDetail(**_diagnosis(found).model_dump(), explanation=list(found.explanation), goal=found.goal,
                           program=[ProgramEntryOut(exercise=e.exercise, dose=_dose(e.dose)) for e in found.program],
                           red_flags_emergency=list(found.red_flags_emergency),
                           red_flags_today=list(found.red_flags_today),
                           red_flags_next_visit=list(found.red_flags_next_visit))


@bp.get("/exercises")
@token_required
@spec.validate(query=SearchQuery, resp=Resp(HTTP_200=ExercisePage, HTTP_422=Problem, **REFUSED), tags=["catalog"])
def exercises():
    """The exercises, or those a search finds (typos forgiven), a page at a time."""
    query = SearchQuery.model_validate(request.args.to_dict())
    found = (catalog().search_exercises(query.q, limit=1000, region=query.region) if query.q.strip()
             else sorted((e for e in catalog().exercises.values() if not query.region or query.region in e.regions),
                         key=lambda e: e.name))
    start = (query.page - 1) * query.per_page
    return ExercisePage(items=[_exercise(e) for e in found[start:start + query.per_page]], total=len(found),
                        page=query.page, per_page=query.per_page,
                        links=_links("api.exercises", query.page, query.per_page, len(found), q=query.q,
                                     region=query.region))


@bp.get("/exercises/<slug>")
@token_required
@spec.validate(resp=Resp(HTTP_200=ExerciseDetail, HTTP_404=Problem, **REFUSED), tags=["catalog"])
def exercise(slug: str):
    found = catalog().exercises.get(slug)
    if found is None:
        return problem(404, f"No exercise {slug!r}.")
    return ExerciseDetail(**_exercise(found).model_dump(), steps=list(found.steps), tips=list(found.tips),
                          stop_if=found.stop_if, dose=_dose(found.dose))


@bp.get("/exercises/<slug>/figure.svg")
@token_required
@spec.validate(resp=Resp("HTTP_200", HTTP_404=Problem, **REFUSED), tags=["catalog"], skip_validation=True)
def figure(slug: str):
    """The exercise's figure as an SVG, in the clinic's colour (as printed)."""
    found = catalog().exercises.get(slug)
    if found is None or found.illustration is None:
        return problem(404, f"No figure for {slug!r}.")
    from prescribe.clinics import accent_of
    from prescribe.handout.view import illustration_svg

    accent = accent_of(get_session(), current_caller().use.clinic_id)
    return Response(illustration_svg(found.illustration, accent), mimetype="image/svg+xml")


@bp.get("/handouts")
@token_required
@spec.validate(query=PageQuery, resp=Resp(HTTP_200=HandoutPage, HTTP_422=Problem, **REFUSED), tags=["handouts"])
def handout_list():
    """The clinic's saved handouts, most recently printed first."""
    query = PageQuery.model_validate(request.args.to_dict())
    items, total = handouts.list_handouts(get_session(), current_caller().actor,
                                          offset=(query.page - 1) * query.per_page, limit=query.per_page)
    return HandoutPage(items=[_handout(h) for h in items], total=total, page=query.page, per_page=query.per_page,
                       links=_links("api.handout_list", query.page, query.per_page, total))


@bp.get("/handouts/<int:handout_id>")
@token_required
@spec.validate(resp=Resp(HTTP_200=HandoutOut, HTTP_404=Problem, **REFUSED), tags=["handouts"])
def handout(handout_id: int):
    found = handouts.handout_summary(get_session(), current_caller().actor, handout_id)
    if found is None:
        return problem(404, f"The clinic has no handout {handout_id}.")
    return _handout(found)


@bp.get("/handouts/<int:handout_id>/versions/<int:number>.pdf")
@token_required
@spec.validate(resp=Resp("HTTP_200", HTTP_404=Problem, **REFUSED), tags=["handouts"], skip_validation=True)
def version_pdf(handout_id: int, number: int):
    """The exact PDF printed, byte for byte (its SHA-256 is in the handout's versions)."""
    stored = handouts.version_pdf(get_session(), current_caller().actor, handout_id, number)
    if stored is None:
        return problem(404, f"The clinic has no version {number} of handout {handout_id}.")
    response = Response(stored.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    response.set_etag(stored.etag)
    return response


@bp.get("/handouts/<int:handout_id>/versions/<int:number>/fhir")
@token_required
@spec.validate(resp=Resp("HTTP_200", HTTP_404=Problem, **REFUSED), tags=["handouts"], skip_validation=True)
def version_fhir(handout_id: int, number: int):
    """The version as a FHIR R4 Bundle: a ServiceRequest per exercise, the Condition, the exact PDF."""
    export = handouts.version_fhir(get_session(), current_caller().actor, handout_id, number, catalog())
    if export is None:
        return problem(404, f"The clinic has no version {number} of handout {handout_id}.")
    return Response(export.data, mimetype="application/fhir+json")


# What the operations that answer with a file send, as the document states it.
FILE_ANSWERS = {"/figure.svg": ("image/svg+xml", {"type": "string"}),
                ".pdf": ("application/pdf", {"type": "string", "contentMediaType": "application/pdf"}),
                "/fhir": ("application/fhir+json", {"type": "object", "description": "a FHIR R4 Bundle"})}


def _document() -> str:
    """spectree's document, finished: problem details under their own media type, the files the
    file operations send, and the bearer token every operation needs."""
    import copy
    import json

    document = copy.deepcopy(spec.spec)
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            operation["security"] = [{"token": []}]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "integer":
                    parameter["schema"]["minimum"] = 1  # ids and version numbers count from 1
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if "Problem" in json.dumps(content):
                    answer["content"] = {"application/problem+json": content.get("application/json", {})}
                elif status == "200" and not content:
                    for suffix, (media, schema) in FILE_ANSWERS.items():
                        if path.endswith(suffix):
                            answer["content"] = {media: {"schema": schema}}
    document.setdefault("components", {})["securitySchemes"] = {
        "token": {"type": "http", "scheme": "bearer", "description": "a token made under Your account"}}
    return json.dumps(document, ensure_ascii=False, indent=1)


def _links(endpoint: str, page: int, per_page: int, total: int, **args: str) -> PageLinks:
    """Paths of the first, previous, next and last pages (a page past the end has no next)."""
    last = max(1, -(-total // per_page))
    kept = {name: value for name, value in args.items() if value}

    def at(number: int) -> str:
        values: dict[str, Any] = {"page": number, "per_page": per_page, **kept}
        return url_for(endpoint, **values)

    return PageLinks(first=at(1), prev=at(min(page - 1, last)) if page > 1 else None,
                     next=at(page + 1) if page < last else None, last=at(last))


def _dose(dose: Dose) -> DoseOut:
    return DoseOut(**dose.as_dict())


def _diagnosis(found: Diagnosis) -> DiagnosisOut:
    return DiagnosisOut(slug=found.slug, region=found.region, name=found.name, summary=found.summary,
                        icd10=[IcdOut(code=c.code, label=c.label) for c in found.icd10])


def _exercise(found: Exercise) -> ExerciseOut:
    figure_path = url_for("api.figure", slug=found.slug) if found.illustration is not None else None
    return ExerciseOut(slug=found.slug, name=found.name, aliases=list(found.aliases), purpose=found.purpose,
                       category=found.category, position=found.position, equipment=list(found.equipment),
                       per_side=found.per_side, regions=list(found.regions), easier=found.easier, harder=found.harder,
                       figure=figure_path)


def _handout(found: handouts.HandoutSummary) -> HandoutOut:
    return HandoutOut(
        id=found.id, diagnosis=found.diagnosis_slug, diagnosis_name=found.diagnosis_name,
        patient_id=found.patient_id, patient_name=found.patient_name, created_at=found.created_at,
        updated_at=found.updated_at,
        versions=[VersionOut(number=v.number, printed_at=v.printed_at, page_count=v.page_count,
                             pdf_sha256=v.pdf_sha256, filename=v.filename,
                             pdf=url_for("api.version_pdf", handout_id=found.id, number=v.number),
                             fhir=url_for("api.version_fhir", handout_id=found.id, number=v.number))
                  for v in found.versions])


