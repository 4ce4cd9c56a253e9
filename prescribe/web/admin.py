"""Clinic admin: the clinic's users (add, disable, enable, reset), its second-factor rule, the audit log.

Admins only; everyone else gets a 404, as for a page that does not exist. Every user is looked up
within the admin's own clinic, so another clinic's user id is a 404 too.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from prescribe.accounts import passwords
from prescribe.accounts.users import (
    AccountError,
    clinic_user,
    clinic_users,
    create_user,
    reset_password,
    reset_second_factor,
    set_active,
    set_clinic_mfa_requirement,
)
from prescribe.audit import ACTIONS, AuditFilter, actor_label, clinic_events, events_csv
from prescribe.db import get_session, transaction

from .auth_forms import ROLE_LABELS, AddUserForm, AuditFilterForm, ClinicMfaForm
from .context import admin_required, current_clinic, record_audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)


@bp.before_request
@admin_required
def _admins_only():
    return None


def _render_users(add_form=None, mfa_form=None, status: int = 200):
    clinic = current_clinic()
    return render_template(
        "admin/users.html", clinic=clinic, users=clinic_users(get_session(), clinic), roles=ROLE_LABELS,
        add_form=add_form or AddUserForm(formdata=None),
        mfa_form=mfa_form or ClinicMfaForm(formdata=None, require_mfa=clinic.require_mfa),
    ), status


def _password_once(user, password: str, what: str):
    """The generated password, shown this once (never stored in clear, never put in a cookie)."""
    return render_template("admin/password_once.html", user=user, password=password, what=what)


def _user_or_404(user_id: int):
    """The admin's own clinic's user (the CSRF token was checked app-wide before the view)."""
    return clinic_user(get_session(), current_clinic(), user_id) or abort(404)


@bp.get("/users")
def users():
    return _render_users()


@bp.post("/users")
def add_user():
    form = AddUserForm()
    if not form.validate_on_submit():
        return _render_users(add_form=form, status=422)
    password = passwords.generate_password()
    try:
        with transaction() as db:
            user = create_user(db, current_clinic(), form.email.data, password, role=form.role.data,
                               name=form.name.data or "", must_change_password=True)
            record_audit("user_create", "user", user.id, detail=user.role)
    except AccountError as exc:
        form.email.errors.append(str(exc))
        return _render_users(add_form=form, status=422)
    log.info("User %s added to clinic %s by user %s", user.id, user.clinic_id, g.user.id)
    return _password_once(user, password, "added")


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int):
    user = _user_or_404(user_id)
    try:
        with transaction() as db:
            set_active(db, g.user, user, False)
            record_audit("user_disable", "user", user.id)
    except AccountError as exc:
        flash(str(exc))
        return redirect(url_for("admin.users"))
    flash(_("%(name)s is disabled and was signed out everywhere.", name=user.display_name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/enable")
def enable(user_id: int):
    user = _user_or_404(user_id)
    with transaction() as db:
        set_active(db, g.user, user, True)
        record_audit("user_enable", "user", user.id)
    flash(_("%(name)s can sign in again.", name=user.display_name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset-password")
def reset(user_id: int):
    user = _user_or_404(user_id)
    with transaction() as db:
        password = reset_password(db, user)
        record_audit("password_reset", "user", user.id)
    log.info("Password of user %s reset by user %s", user.id, g.user.id)
    return _password_once(user, password, "reset")


@bp.post("/users/<int:user_id>/reset-second-factor")
def reset_mfa(user_id: int):
    user = _user_or_404(user_id)
    with transaction() as db:
        reset_second_factor(db, user)
        record_audit("second_factor_reset", "user", user.id)
    flash(_("%(name)s's authenticator app is removed. They set one up again at next sign-in"
            " if the clinic requires it.", name=user.display_name))
    return redirect(url_for("admin.users"))


@bp.post("/second-factor-rule")
def mfa_rule():
    form = ClinicMfaForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction():
            set_clinic_mfa_requirement(g.user, bool(form.require_mfa.data))
            record_audit("second_factor_rule", detail="required" if form.require_mfa.data else "optional")
    except AccountError as exc:
        form.require_mfa.errors.append(str(exc))
        return _render_users(mfa_form=form, status=422)
    flash(_("Everyone in the clinic now needs a second factor.") if form.require_mfa.data
          else _("A second factor is now optional in this clinic."))
    return redirect(url_for("admin.users"))


AUDIT_PAGE = 100
AUDIT_EXPORT_LIMIT = 50_000  # rows in one download: years of a clinic's log, still a small file


def _filtered_log():
    """The clinic's users, the log's filter form from the query string, and the filter it describes."""
    users = clinic_users(get_session(), current_clinic())
    form = AuditFilterForm(request.args, users=users)
    return users, form, form.to_filter() if form.validate() else AuditFilter()


@bp.get("/audit")
def audit_log():
    """The clinic's audit log, newest first, narrowed by who, what, patient, handout and dates."""
    users, form, wanted = _filtered_log()
    events = clinic_events(get_session(), current_clinic().id, wanted, limit=AUDIT_PAGE)
    # The filters carry over to the links; url_for's own options (_external, _scheme, _anchor) are
    # not the query's to set (?_scheme=x alone made url_for raise: a 500).
    query: dict[str, Any] = {k: v for k, v in request.args.items() if not k.startswith("_")}
    older = None
    if len(events) == AUDIT_PAGE:
        older = url_for("admin.audit_log", **{**query, "before": events[-1].id})
    export = url_for("admin.audit_export", **{k: v for k, v in query.items() if k != "before"})
    names = {u.id: u.display_name for u in users}
    return render_template("admin/audit.html", form=form, events=events, older=older, export=export, names=names,
                           actions={key: _(label) for key, label in ACTIONS.items()},
                           who=lambda event: (actor_label(event, names) if event.user_id
                                              else _(actor_label(event, names)))), \
        200 if not form.errors else 422


@bp.get("/audit.csv")
def audit_export():
    """Every entry the log page's filter shows (all pages of it) as a CSV file, itself logged."""
    users, form, wanted = _filtered_log()
    if form.errors:
        return audit_log()  # the page, with the filter's errors next to its fields
    with transaction() as db:
        events = clinic_events(db, current_clinic().id, replace(wanted, before_id=None), limit=AUDIT_EXPORT_LIMIT)
        body = events_csv(events, {u.id: u.display_name for u in users})
        record_audit("audit_export", detail=f"{len(events)} entries")
    filename = f"audit-log-{date.today().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
