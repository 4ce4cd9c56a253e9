"""Flask commands: db (migrations), init-db, create-clinic, create-user, reset-user, demo-login,
check-content, catalog-export, handout, audit-check, backup, restore.

Every command works in a fresh clone: the SQLite database is created when a command needs it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from . import audit
from .accounts import passwords
from .accounts.demo import ensure_demo_login, read_demo_login
from .accounts.users import (
    AccountError,
    clinic_by_slug,
    create_clinic,
    create_user,
    reset_password,
    reset_second_factor,
    users_by_email,
)
from .backup import BackupError, backup_database, restore_database
from .catalog import check_content
from .clinics import branding_for, ensure_default_clinic
from .db import create_tables, engine_for, get_session, transaction
from .handout import HandoutTooLong, render_program
from .models import ROLES
from .programs import PAPER_SIZES, default_program, for_patient, handout_languages


def _migrations():
    """The migrations module, imported by the commands that use it: Alembic takes about 0.2 s to
    import, and every app start (each gunicorn worker, each ``flask`` command) registers these."""
    from . import migrations

    return migrations


def register_commands(app: Flask) -> None:
    for command in (db_group, init_db_command, create_clinic_command, create_user_command, reset_user_command,
                    demo_login_command, check_content_command, catalog_export_command, handout_command,
                    clinic_name_command, audit_check_command, backup_command, restore_command,
                    webhooks_deliver_command):
        app.cli.add_command(command)


@click.group("db")
def db_group() -> None:
    """Schema migrations: upgrade, downgrade, current, check, revision."""


@db_group.command("upgrade")
@with_appcontext
@click.argument("revision", default="head")
def db_upgrade_command(revision: str) -> None:
    """Apply the migrations up to REVISION (default: the newest). Keeps all data; safe to repeat."""
    create_tables(current_app, revision)
    click.echo(f"Database at revision {_migrations().current_revision(engine_for(current_app))}.")


@db_group.command("downgrade")
@with_appcontext
@click.argument("revision")
@click.option("--yes", is_flag=True, help="Do not ask: the tables and columns undone lose their data.")
def db_downgrade_command(revision: str, yes: bool) -> None:
    """Undo migrations down to REVISION ("base" empties the database)."""
    if not yes:
        click.confirm(f"Undo migrations down to {revision}? Data in what they added is lost.", abort=True)
    _migrations().downgrade(engine_for(current_app), revision)
    click.echo(f"Database at revision {_migrations().current_revision(engine_for(current_app))}.")


@db_group.command("current")
@with_appcontext
def db_current_command() -> None:
    """Print the database's revision and the newest one."""
    click.echo(f"Database: {_migrations().current_revision(engine_for(current_app)) or 'not migrated'}; "
               f"newest: {_migrations().head_revision()}")


@db_group.command("check")
@with_appcontext
def db_check_command() -> None:
    """Exit 1 if the models differ from the migrated database (a migration is missing)."""
    differences = _migrations().schema_differences(engine_for(current_app))
    for difference in differences:
        click.echo(repr(difference), err=True)
    if differences:
        raise click.ClickException(f"{len(differences)} difference(s) between the models and the database: "
                                   "add a migration (flask --app wsgi db revision -m ...).")
    click.echo("The database matches the models.")


@db_group.command("revision")
@with_appcontext
@click.option("-m", "--message", required=True, help="What the migration does, in a few words.")
def db_revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the (upgraded) database."""
    from alembic import command

    create_tables(current_app)
    number = f"{len(_migrations().revisions()) + 1:04d}"
    command.revision(_migrations().alembic_config(engine_for(current_app)), message=message,
                     autogenerate=True, rev_id=number)
    click.echo(f"Wrote migration {number}: review it before committing.")


def _prepare_database():
    create_tables(current_app)
    return ensure_default_clinic(get_session(), Path(current_app.instance_path))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Run the migrations and create the demo clinic (safe to run again; keeps all data).

    In development it also creates the demo clinic's admin on first run and prints the login.
    Handouts from before clinic accounts already belong to the demo clinic (id 1).
    """
    clinic = _prepare_database()
    catalog = current_app.extensions["catalog"]
    click.echo(f"Database ready: {current_app.config['DATABASE_URL']}")
    click.echo(f"Catalog: {len(catalog.diagnoses)} diagnoses, {len(catalog.exercises)} exercises.")
    click.echo(f"Clinic: {clinic.name}")
    if current_app.config["ENV_NAME"] == "development":
        with transaction() as session:
            created = ensure_demo_login(session, clinic, Path(current_app.instance_path))
        if created:
            click.echo(f"Demo login created: {created[0]}  password: {created[1]}  "
                       f"(also in instance/demo_login.txt)")


@click.command("create-clinic")
@with_appcontext
@click.argument("name")
@click.option("--slug", default=None, help="Short name used by create-user (default: from NAME).")
def create_clinic_command(name: str, slug: str | None) -> None:
    """Create a clinic called NAME; add its first admin with create-user."""
    _prepare_database()
    try:
        with transaction() as session:
            clinic = create_clinic(session, name, slug)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created clinic {clinic.name!r} (slug: {clinic.slug}).")
    click.echo(f"Add its admin: flask --app wsgi create-user EMAIL --clinic {clinic.slug} --role admin")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's slug.")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True)
@click.option("--name", default="", help="The person's name as shown in the app.")
@click.option("--generate-password", is_flag=True,
              help="Generate a password and print it once, instead of prompting for one.")
def create_user_command(email: str, clinic_slug: str, role: str, name: str, generate_password: bool) -> None:
    """Create an account for EMAIL in a clinic (password prompted, or generated and printed once)."""
    _prepare_database()
    session = get_session()
    clinic = clinic_by_slug(session, clinic_slug)
    if clinic is None:
        raise click.BadParameter(f"no clinic with the slug {clinic_slug!r}", param_hint="--clinic")
    if generate_password:
        password = passwords.generate_password()
    else:
        password = click.prompt("Password (12 to 128 characters)", hide_input=True,
                                confirmation_prompt=True)
    try:
        with transaction(session):
            user = create_user(session, clinic, email, password, role=role, name=name,
                               must_change_password=generate_password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {ROLES[user.role].lower()} {user.email} in {clinic.name}.")
    if generate_password:
        click.echo(f"Password (shown once; they choose their own at first sign-in): {password}")


@click.command("reset-user")
@with_appcontext
@click.argument("email")
@click.option("--second-factor", is_flag=True, help="Also remove their authenticator app (a lost phone).")
@click.option("--clinic", "clinic_slug", default="", help="The clinic's slug, when EMAIL has accounts in several.")
def reset_user_command(email: str, second_factor: bool, clinic_slug: str) -> None:
    """Give EMAIL a generated password, for someone no clinic admin can reset (the only admin).

    Printed once; they choose their own at sign-in. Their sessions end and a sign-in lock lifts.
    The reset is written to their clinic's audit log as a server command.
    """
    _prepare_database()
    session = get_session()
    users = [user for user in users_by_email(session, email) if not clinic_slug or user.clinic.slug == clinic_slug]
    if not users:
        raise click.ClickException(f"No account has the email address {email!r}"
                                   f"{f' in the clinic {clinic_slug!r}' if clinic_slug else ''}.")
    if len(users) > 1:
        raise click.ClickException(f"{email!r} has accounts in several clinics ("
                                   f"{', '.join(user.clinic.slug for user in users)}): add --clinic SLUG.")
    user = users[0]
    with transaction(session):
        password = reset_password(session, user)
        actions = ["password_reset"]
        if second_factor:
            reset_second_factor(session, user)
            actions.append("second_factor_reset")
        for action in actions:
            audit.record(session, action, clinic_id=user.clinic_id, user_id=None, object_type="user",
                         object_id=user.id, ip=audit.COMMAND_LINE)
    click.echo(f"Reset {user.email} ({user.clinic.name})"
               f"{': the authenticator app is removed' if second_factor else ''}.")
    click.echo(f"Password (shown once; they choose their own at sign-in): {password}")
    if not user.active:
        click.echo("The account is disabled: a clinic admin enables it on the Users page.")


@click.command("demo-login")
@with_appcontext
def demo_login_command() -> None:
    """Print the demo clinic's login (used by `make run`)."""
    login = read_demo_login(Path(current_app.instance_path))
    if login is None:
        click.echo("  Demo login: none in instance/demo_login.txt. Create one with: "
                   "flask --app wsgi create-user EMAIL --clinic demo --role admin")
        return
    click.echo(f"  Demo login: {login[0]}  password: {login[1]}")


@click.command("check-content")
@with_appcontext
def check_content_command() -> None:
    """Validate every file in exercises_db/; exit 1 naming the file and field of each error."""
    errors = check_content(Path(current_app.config["CONTENT_ROOT"]) if current_app.config.get("CONTENT_ROOT") else None)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        click.echo(f"{len(errors)} content error(s).", err=True)
        sys.exit(1)
    catalog = current_app.extensions["catalog"]
    click.echo(f"Content OK: {len(catalog.diagnoses)} diagnoses, {len(catalog.exercises)} exercises.")


@click.command("webhooks-deliver")
@click.option("--wait", is_flag=True, help="Keep going until nothing is pending (retries included).")
@with_appcontext
def webhooks_deliver_command(wait: bool) -> None:
    """Send the webhook deliveries that are due (each app worker does this itself after a print; run this
    from a timer to send retries left pending when the workers restarted)."""
    import time

    from prescribe import webhooks
    from prescribe.db import get_session

    send = webhooks.http_sender(bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]))
    while True:
        pending = webhooks.deliver_due(get_session(), send)
        if pending is None or not wait:
            break
        time.sleep(min(pending.total_seconds(), 60) + 0.05)
    click.echo("Nothing pending." if pending is None else f"Next delivery due in {int(pending.total_seconds())} s.")


@click.command("catalog-export")
@with_appcontext
def catalog_export_command() -> None:
    """Print the whole catalog (diagnoses with default programs, every exercise) as JSON."""
    click.echo(json.dumps(current_app.extensions["catalog"].as_dict(), indent=2, ensure_ascii=False))


@click.command("handout")
@with_appcontext
@click.argument("diagnosis_slug")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
@click.option("--patient", default="", help="Patient name as printed (optional).")
@click.option("--paper", type=click.Choice(sorted(PAPER_SIZES)), default=None,
              help="Paper size (default: the clinic's).")
@click.option("--language", type=click.Choice(["en", "es", "en-es"]), default=None,
              help="The handout's language: en, es or en-es (bilingual); default: the clinic's.")
@click.option("--side", type=click.Choice(["left", "right"]), default=None,
              help="The patient's affected side (one-side exercises are set to it).")
def handout_command(diagnosis_slug: str, out_path: str, patient: str, paper: str | None,
                    language: str | None, side: str | None) -> None:
    """Render DIAGNOSIS_SLUG's default program as a PDF handout."""
    catalog = current_app.extensions["catalog"]
    diagnosis = catalog.diagnosis(diagnosis_slug)
    if diagnosis is None:
        known = ", ".join(sorted(catalog.diagnoses))
        raise click.BadParameter(f"unknown diagnosis {diagnosis_slug!r}; choose one of: {known}",
                                 param_hint="DIAGNOSIS_SLUG")
    clinic = _prepare_database()
    if language is not None and language not in handout_languages(catalog, diagnosis.slug):
        raise click.BadParameter(f"{diagnosis_slug} is not ready in {language!r}; it prints in: "
                                 + ", ".join(handout_languages(catalog, diagnosis.slug)),
                                 param_hint="--language")
    program = default_program(diagnosis, catalog, today=date.today(), paper=paper or clinic.default_paper,
                              layout=clinic.default_layout, greyscale=clinic.default_greyscale,
                              language=language or clinic.default_language)
    program = for_patient(program, catalog, name=patient.strip()[:80], reference="", affected_side=side or "")
    try:
        rendered = render_program(program, catalog, branding_for(clinic),
                                  max_pages=current_app.config["HANDOUT_MAX_PAGES"])
    except HandoutTooLong as exc:
        raise click.ClickException(str(exc)) from None
    Path(out_path).write_bytes(rendered.pdf)
    click.echo(f"Wrote {out_path} ({rendered.page_count} pages, {len(rendered.pdf):,} bytes).")


@click.command("clinic-name")
@with_appcontext
def clinic_name_command() -> None:
    """Print the default clinic's name (used by `make run`'s welcome message)."""
    click.echo(_prepare_database().name)


@click.command("audit-check")
@with_appcontext
def audit_check_command() -> None:
    """Verify the audit log's hash chain; exit 1 naming the first row that was edited or removed."""
    report = audit.verify_chain(get_session())
    if not report.ok:
        click.echo(f"Audit log BROKEN at row {report.first_bad_id}: {report.problem} "
                   f"({report.rows} rows read).", err=True)
        sys.exit(1)
    click.echo(f"Audit log OK: {report.rows} rows, hash chain intact.")


def _cli_audit(action: str, detail: str) -> None:
    with transaction() as session:
        audit.record(session, action, clinic_id=None, user_id=None, detail=detail, ip=audit.COMMAND_LINE)


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent copy of the database to FILE, safe while the app is serving."""
    create_tables(current_app)
    _cli_audit("backup", f"to {file.name}")  # in the backup itself, as its last row
    try:
        result = backup_database(engine_for(current_app), file, current_app.config.get("POSTGRES_BIN"))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written: {result.path} ({result.size:,} bytes, {result.seconds:.2f} s, "
               f"sha256 {result.sha256[:16]}...). Integrity checked.")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: everything written since the backup is replaced.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace the database with the backup FILE (stop the app servers first), then migrate it."""
    if not yes:
        click.confirm(f"Replace the whole database with {file}? Everything written since is lost.", abort=True)
    from .backup import file_sha256

    try:
        seconds = restore_database(engine_for(current_app), file, current_app.config.get("POSTGRES_BIN"))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    create_tables(current_app)
    _cli_audit("restore", f"from {file.name}, sha256 {file_sha256(file)[:16]}")
    report = audit.verify_chain(get_session())
    click.echo(f"Restored {file} in {seconds:.2f} s; audit log "
               + ("intact." if report.ok else f"BROKEN at row {report.first_bad_id}: {report.problem}"))
    if not report.ok:
        sys.exit(1)
