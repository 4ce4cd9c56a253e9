"""Forms for signing in, the account page and clinic user admin. Passwords are never echoed back."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from prescribe.accounts.passwords import PasswordPolicyError, check_new_password
from prescribe.accounts.users import EMAIL_MAX, normalise_email, valid_email
from prescribe.api_tokens import NAME_MAX, SCOPES
from prescribe.audit import ACTIONS, AuditFilter

from .forms import AppForm, choices, plain_text
from .interface_language import INTERFACE_LANGUAGES
from .numbers import MAX_ID, WholeNumberField, parse_id

# Sign-in accepts anything up to this long (the policy caps new passwords at 128): longer
# input is refused before hashing, so it cannot make the server hash megabytes.
SIGN_IN_PASSWORD_MAX = 1024
# The labels of the roles (prescribe.models.ROLES) and API access levels (prescribe.api_tokens.SCOPES),
# in the page's language; the keys are theirs.
ROLE_LABELS = {"admin": _l("Clinic admin"), "therapist": _l("Therapist")}
SCOPE_LABELS = {"read": _l("Read"), "read-write": _l("Read and write")}


def _code_field(label: LazyString | None = None) -> StringField:
    return StringField(_l("6-digit code") if label is None else label, validators=[
        InputRequired(message=_l("Enter the 6-digit code from your authenticator app.")),
        Length(max=20, message=_l("Enter the 6 digits your app shows."))])


class LoginForm(AppForm):
    email = StringField(_l("Email"), validators=[
        DataRequired(message=_l("Enter your email address.")),
        Length(max=EMAIL_MAX, message=_l("Email addresses are at most %(max)d characters.", max=EMAIL_MAX)),
        plain_text])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(message=_l("Enter your password.")),
        Length(max=SIGN_IN_PASSWORD_MAX, message=_l("That is longer than any password here."))])
    # Shown only when the address and password open accounts in several clinics (choices set then).
    clinic = SelectField(_l("Clinic"), choices=[], validate_choice=False)


class CodeForm(AppForm):
    code = _code_field()


class NewPasswordMixin:
    """Checks the new password against the policy, for the person whose email is ``self.email``."""

    email: str = ""

    def validate_new_password(self, field: PasswordField) -> None:
        try:
            check_new_password(field.data or "", email=self.email)
        except PasswordPolicyError as exc:
            raise ValidationError(str(exc)) from None


class ChangePasswordForm(NewPasswordMixin, AppForm):
    current_password = PasswordField(_l("Current password"), validators=[
        InputRequired(message=_l("Enter your current password.")),
        Length(max=SIGN_IN_PASSWORD_MAX, message=_l("That is longer than any password here."))])
    new_password = PasswordField(_l("New password"), validators=[
        InputRequired(message=_l("Enter a new password."))])
    confirm = PasswordField(_l("New password again"), validators=[
        InputRequired(message=_l("Enter the new password again.")),
        EqualTo("new_password", message=_l("The two new passwords do not match."))])

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email


class EnrolForm(AppForm):
    code = _code_field(_l("Code from your app"))


class RemoveSecondFactorForm(AppForm):
    password = PasswordField(_l("Current password"), validators=[
        InputRequired(message=_l("Enter your current password.")),
        Length(max=SIGN_IN_PASSWORD_MAX, message=_l("That is longer than any password here."))])
    code = _code_field(_l("Code from your app"))


def scope_choice(form, field) -> None:
    """A scope posted that is not in the list is refused by name (the select shows Read again)."""
    if field.data not in SCOPES:
        field.data = "read"
        raise ValidationError(_("Choose one of the access levels in the list: %(levels)s.",
                                levels=", ".join(str(label) for label in SCOPE_LABELS.values())))


class ApiTokenForm(AppForm):
    """A new API token: a name to recognise it by, and what it may do."""

    name = StringField(_l("Token name"), description=_l("Say what uses it, such as \"Clinic spreadsheet\"."),
                       validators=[DataRequired(message=_l("Enter a name for the token.")),
                                   Length(max=NAME_MAX, message=_l("Keep the name to %(max)d characters.",
                                                                   max=NAME_MAX)),
                                   plain_text])
    scope = SelectField(_l("Access"), choices=choices(SCOPE_LABELS), default="read", validate_choice=False,
                        validators=[scope_choice])


class InterfaceLanguageForm(AppForm):
    """The language of the app's pages for this user; "" follows the browser."""

    language = SelectField(_l("Language of the app"), choices=choices({"": _l("As my browser"), **INTERFACE_LANGUAGES}),
                           default="", validators=[Optional()])


class RevokeTokenForm(AppForm):
    """The Revoke button of one token (its CSRF token only)."""


class AddUserForm(AppForm):
    email = StringField(_l("Email"), validators=[
        DataRequired(message=_l("Enter the person's email address.")),
        Length(max=EMAIL_MAX, message=_l("Email addresses are at most %(max)d characters.", max=EMAIL_MAX)),
        plain_text])
    name = StringField(_l("Name"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters.")), plain_text])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS), default="therapist")

    def validate_email(self, field: StringField) -> None:
        if not valid_email(normalise_email(field.data or "")):
            raise ValidationError(_("Enter an email address like name@clinic.example."))


class ClinicMfaForm(AppForm):
    require_mfa = BooleanField(_l("Require a second factor (authenticator app) for everyone in this clinic"))


class AuditFilterForm(AppForm):
    """Narrow the audit log (a GET form: reading changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    action = SelectField(_l("What"), choices=choices({"": _l("Anything"),
                                                     **{key: _l(label) for key, label in ACTIONS.items()}}),
                         default="")
    user = SelectField(_l("Who"), choices=choices({"": _l("Anyone")}), default="")
    patient = WholeNumberField(_l("Patient no."), validators=[Optional()], low=1, high=MAX_ID,
                               message=_l("Enter a patient number (digits only, as on the patient's page)."))
    handout = WholeNumberField(_l("Handout no."), validators=[Optional()], low=1, high=MAX_ID,
                               message=_l("Enter a handout number (digits only, as on the handout's page)."))
    since = DateField(_l("From (UTC)"), validators=[Optional()])
    until = DateField(_l("To (UTC)"), validators=[Optional()])
    before = HiddenField()

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = choices({"": _("Anyone"), **{str(u.id): u.display_name for u in users}})

    def to_filter(self) -> AuditFilter:
        """The filter these (validated) fields describe."""
        return AuditFilter(
            action=self.action.data or "",
            user_id=parse_id(self.user.data),
            object_type="handout" if self.handout.data else "",
            object_id=self.handout.data,
            patient_id=self.patient.data,
            since=datetime.combine(self.since.data, time()) if self.since.data else None,
            until=datetime.combine(self.until.data, time()) + timedelta(days=1) if self.until.data else None,
            before_id=parse_id(self.before.data),
        )


__all__ = ["AddUserForm", "AuditFilterForm", "ChangePasswordForm", "ClinicMfaForm", "CodeForm", "EnrolForm",
           "LoginForm", "RemoveSecondFactorForm"]


class WebhookForm(AppForm):
    """A new webhook: the https address that hears of every handout printed."""

    url = StringField(_l("Receiving address"), description=_l("Your records system's https address, such as "
                                                              "https://records.example/prescribe-events."),
                      validators=[DataRequired(message=_l("Enter the address that receives the events.")),
                                  Length(max=500, message=_l("Keep the address under 500 characters.")),
                                  plain_text])


class WebhookActionForm(AppForm):
    """The Remove or Send a test button of one webhook (its CSRF token only)."""
