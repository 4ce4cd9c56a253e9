"""Errors of the API as RFC 9457 problem details (``application/problem+json``), one shape for all."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from pydantic import BaseModel, Field

PROBLEM_TYPE = "about:blank"  # the status code says it all (RFC 9457, 4.2.1)
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content", 429: "Too Many Requests",
          500: "Internal Server Error", 503: "Service Unavailable"}


class FieldProblem(BaseModel):
    """What is wrong with one input, and where it is (``query.per_page``, ``json.items.0.sets``)."""

    field: str
    message: str


class Problem(BaseModel):
    """An error: RFC 9457 problem details, with the field errors of a request that did not validate."""

    type: str = PROBLEM_TYPE
    title: str
    status: int
    detail: str = ""
    errors: list[FieldProblem] = Field(default_factory=list)


def problem(status: int, detail: str = "", errors: list[FieldProblem] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = Problem(title=TITLES.get(status, "Error"), status=status, detail=detail, errors=errors or [])
    response = Response(body.model_dump_json(), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_problems(errors: list[dict[str, Any]], where: str) -> list[FieldProblem]:
    """Pydantic's errors as field problems (``where`` is query, json, ...)."""
    found = []
    for error in errors:
        location = ".".join(str(part) for part in (where, *error.get("loc", ())))
        found.append(FieldProblem(field=location, message=str(error.get("msg", "is not valid"))))
    return found


def problem_from_validation(response: Response, where_errors: Any) -> None:
    """Turn spectree's 422 body (pydantic's error list) into problem details, in place."""
    try:
        errors = json.loads(response.get_data(as_text=True))
    except ValueError:
        errors = []
    items = errors if isinstance(errors, list) else []
    body = Problem(title=TITLES[422], status=422, detail="The request does not match what this operation takes.",
                   errors=field_problems(items, where_errors))
    response.set_data(body.model_dump_json())
    response.mimetype = "application/problem+json"
