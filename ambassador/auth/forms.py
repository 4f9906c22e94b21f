"""Login, password and user-management forms, with messages people understand."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation, ValidationError

from ambassador.auth.models import ROLE_LABELS, ROLES
from ambassador.auth.services import MAX_PASSWORD, MIN_PASSWORD
from ambassador.constants import MAX_EMAIL
from ambassador.i18n import LANGUAGES, capitalize
from ambassador.text import Form
from ambassador.utils import ServiceError, normalise_email

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

ROLE_CHOICES = [SelectChoice(r, LazyString(lambda r=r: capitalize(str(ROLE_LABELS[r]))))
                for r in ROLES]


def email_address(form, field) -> None:
    """Require a plausible email address and store it trimmed and lower-cased."""
    value = (field.data or "").strip()
    if not value:
        raise StopValidation(_("Enter an email address."))
    if len(value) > MAX_EMAIL:
        raise StopValidation(_("An email address has at most %(num)d characters.", num=MAX_EMAIL))
    try:
        field.data = normalise_email(value)
    except ServiceError as exc:
        raise StopValidation(str(exc)) from exc


class RoleField(SelectField):
    """A role picker that names the valid roles when given something else."""

    def pre_validate(self, form) -> None:
        """Refuse anything that is not one of the roles."""
        if self.data not in ROLES:
            raise ValidationError(_("Unknown role: choose one of %(roles)s.",
                                    roles=", ".join(str(ROLE_LABELS[r]) for r in ROLES)))


def _email_field() -> EmailField:
    return EmailField(_l("Email"), validators=[email_address], render_kw={"maxlength": MAX_EMAIL})


class LoginForm(Form):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")),
        Length(max=MAX_PASSWORD, message=_l("A password has at most %(max)d characters.")),
    ])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotPasswordForm(Form):
    email = _email_field()


class SetPasswordForm(Form):
    """Choosing a password: the reset link, an account invitation and a promoter's welcome."""

    password = PasswordField(_l("Choose a password"), validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=_l("Use at least %(min)d characters (and at most %(max)d).")),
    ])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Type the password a second time.")),
        EqualTo("password", message=_l("The two passwords differ.")),
    ])


class InviteUserForm(Form):
    email = _email_field()
    name = StringField(_l("Name"), validators=[
        Length(max=255, message=_l("A name has at most %(max)d characters.")),
    ])
    role = RoleField(_l("Role"), choices=ROLE_CHOICES, default="marketer")


class RoleForm(Form):
    role = RoleField(_l("Role"), choices=ROLE_CHOICES)


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that post."""


class AccountForm(Form):
    language = SelectField(_l("Language"), choices=[
        SelectChoice("", _l("Automatic (from your survey answers or your browser)")),
        *(SelectChoice(code, name) for code, name in LANGUAGES.items()),
    ])


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Give the token a name, such as the survey tool that will use it.")),
        Length(max=100, message=_l("A token name has at most %(max)d characters.")),
    ])
