"""The OpenAPI document's author: one spectree instance the views declare their operations on."""

from __future__ import annotations

from spectree import SpecTree

from .problems import Problem, problem_from_validation


def _problem_details(request, response, error, _instance, _adapter) -> None:
    """A request that does not validate: 422, with every field's message, as problem details."""
    if error is not None and response is not None:
        problem_from_validation(response, "query" if request.method == "GET" else "json")


spec = SpecTree("flask", title="Prescribe API", version="1", path="api/v1/spec", page_templates={}, mode="strict",
                before=_problem_details, validation_error_model=Problem, annotations=False,
                description="Home-exercise handouts: the catalog, saved handouts and their exact PDFs "
                            "and FHIR R4 bundles. Authenticate with a token from Your account: "
                            "`Authorization: Bearer <token>`.")
