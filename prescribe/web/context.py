"""Request-scoped helpers shared by the blueprints: who is signed in, which clinic they see.

This is the one place that decides which clinic a request sees: the signed-in user's. Views get
it from :func:`current_clinic` and pass it to the storage and account services, which filter by
it; and :func:`install_clinic_scope` adds the same filter to every ORM query the request runs,
so a query that forgot its ``where clinic_id == ...`` still cannot return another clinic's rows.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, has_request_context, request
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from prescribe import audit
from prescribe.catalog import Catalog
from prescribe.db import get_session
from prescribe.handouts import Actor, Printer
from prescribe.models import (
    ApiToken,
    AuditEvent,
    Clinic,
    Handout,
    HandoutVersion,
    Patient,
    ProgramTemplate,
    RenderedPreview,
    TranslationReview,
    User,
    UserSession,
    Webhook,
    WebhookDelivery,
)

from .numbers import MAX_ID, IdConverter, parse_id  # noqa: F401 - the views' one parser of ids


def catalog() -> Catalog:
    return current_app.extensions["catalog"]


def bind_request_to(user_session: UserSession) -> None:
    """Make ``user_session``'s user the request's user, and their clinic its only clinic."""
    g.user_session = user_session
    g.user = user_session.user
    g.clinic_id = user_session.user.clinic_id


def current_user() -> User | None:
    """The signed-in user, or None."""
    return g.get("user")


def current_clinic() -> Clinic:
    """The clinic whose data this request may see: the signed-in user's (404 when nobody is)."""
    user = current_user()
    if user is None or g.get("clinic_id") != user.clinic_id:
        abort(404)  # fail closed: no user, no clinic data
    return user.clinic


def admin_required(view):
    """Clinic admins only; anyone else gets the same 404 as for a page that does not exist."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        user = current_user()
        if user is None or not user.is_admin:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def client_address() -> str:
    """The address a request came from, as the audit log and the sign-in limits count it.

    Behind PRESCRIBE_TRUSTED_PROXIES proxies it is the one they saw (ProxyFix has applied it).
    With none trusted, a forwarded address is ignored; the first such request is logged once,
    since behind an undeclared proxy every client would share the proxy's address.
    """
    if not current_app.config["TRUSTED_PROXIES"] and "X-Forwarded-For" in request.headers:
        if not current_app.extensions.get("forwarding_warned"):
            current_app.extensions["forwarding_warned"] = True
            current_app.logger.warning(
                "A request came with X-Forwarded-For but PRESCRIBE_TRUSTED_PROXIES is 0, so the header "
                "is ignored. If a proxy stands in front of the app, set it to the number of proxies.")
    return request.remote_addr or ""


def current_actor() -> Actor:
    """The signed-in user as the services' audit rows name them (404 when nobody is signed in)."""
    user = current_user()
    if user is None:
        abort(404)
    return Actor(clinic_id=current_clinic().id, user_id=user.id, ip=client_address())


def page_base() -> str:
    """Where patients reach this server: ``PUBLIC_URL``, else the (allowed) host this request came to."""
    return current_app.config["PUBLIC_URL"] or request.host_url.rstrip("/")


def handout_printer() -> Printer:
    """What the handouts service renders with: the app's catalog, render cache and page limit."""
    return Printer(catalog(), current_app.extensions["render_cache"], current_app.config["HANDOUT_MAX_PAGES"])


def record_audit(action: str, object_type: str = "", object_id: int | None = None, detail: str = "",
                 user: User | None = None) -> None:
    """Add what the signed-in user (or ``user``) just did to the audit log; the view commits it."""
    user = user or current_user()
    audit.record(get_session(), action, clinic_id=user.clinic_id if user else None,
                 user_id=user.id if user else None, object_type=object_type, object_id=object_id,
                 detail=detail, ip=client_address())


def _scope_to_clinic(state: ORMExecuteState) -> None:
    if not has_request_context() or not (state.is_select or state.is_update or state.is_delete):
        return
    clinic_id = g.get("clinic_id")
    if clinic_id is None:  # not signed in (the sign-in page looks users up across clinics)
        return
    if state.execution_options.get(audit.ALL_CLINICS):
        return  # appending to the audit chain reads its last row, whichever clinic wrote it
    state.statement = state.statement.options(
        with_loader_criteria(Clinic, lambda cls: cls.id == clinic_id, include_aliases=True),
        with_loader_criteria(User, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(Handout, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(Patient, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(ProgramTemplate, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(AuditEvent, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(RenderedPreview, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(ApiToken, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(Webhook, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(WebhookDelivery, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(TranslationReview, lambda cls: cls.clinic_id == clinic_id, include_aliases=True),
        with_loader_criteria(
            HandoutVersion,
            lambda cls: cls.handout_id.in_(select(Handout.id).where(Handout.clinic_id == clinic_id)),
            include_aliases=True),
        with_loader_criteria(
            UserSession,
            lambda cls: cls.user_id.in_(select(User.id).where(User.clinic_id == clinic_id)),
            include_aliases=True),
    )


def install_clinic_scope(app: Flask) -> None:
    """Filter every ORM select, update and delete of clinic data to the signed-in user's clinic."""
    event.listen(app.extensions["db_sessionmaker"], "do_orm_execute", _scope_to_clinic)


def illustration_svg(exercise) -> Markup:
    """An exercise's picture as inline SVG in the clinic's colour (our renderer's own markup)."""
    if exercise is None or exercise.illustration is None:
        return Markup("")
    from prescribe.handout.view import illustration_svg as cached_svg

    return Markup(cached_svg(exercise.illustration, current_clinic().accent_colour))


def register_template_helpers(app: Flask) -> None:
    from prescribe.catalog import CATEGORIES

    from .fragments import FragmentCacheExtension
    from .widgets import register_widgets

    app.jinja_env.add_extension(FragmentCacheExtension)
    app.jinja_env.globals.update(illustration_svg=illustration_svg, categories=CATEGORIES)
    register_widgets(app.jinja_env.globals)

    @app.context_processor
    def _globals():
        user = current_user()
        return {"current_user": user, "clinic_name": user.clinic.name if user else ""}
