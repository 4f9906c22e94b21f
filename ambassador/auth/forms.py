"""Login, password and user-management forms, with messages people understand."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation, ValidationError

from ambassador.auth.models import ROLES
from ambassador.auth.services import MAX_PASSWORD, MIN_PASSWORD
from ambassador.constants import MAX_EMAIL
from ambassador.text import Form
from ambassador.utils import ServiceError, normalise_email

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

ROLE_CHOICES = [SelectChoice(r, r.capitalize()) for r in ROLES]


def email_address(form, field) -> None:
    """Require a plausible email address and store it trimmed and lower-cased."""
    value = (field.data or "").strip()
    if not value:
        raise StopValidation("Enter an email address.")
    if len(value) > MAX_EMAIL:
        raise StopValidation(f"An email address has at most {MAX_EMAIL} characters.")
    try:
        field.data = normalise_email(value)
    except ServiceError as exc:
        raise StopValidation(str(exc)) from exc


class RoleField(SelectField):
    """A role picker that names the valid roles when given something else."""

    def pre_validate(self, form) -> None:
        """Refuse anything that is not one of the roles."""
        if self.data not in ROLES:
            raise ValidationError(f"Unknown role: choose one of {', '.join(ROLES)}.")


def _email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[email_address], render_kw={"maxlength": MAX_EMAIL})


class LoginForm(Form):
    email = _email_field()
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password."),
        Length(max=MAX_PASSWORD, message=f"A password has at most {MAX_PASSWORD} characters."),
    ])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotPasswordForm(Form):
    email = _email_field()


class SetPasswordForm(Form):
    """Choosing a password: the reset link, an account invitation and a promoter's welcome."""

    password = PasswordField("Choose a password", validators=[
        DataRequired("Choose a password."),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=f"Use at least {MIN_PASSWORD} characters (and at most {MAX_PASSWORD})."),
    ])
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Type the password a second time."),
        EqualTo("password", message="The two passwords differ."),
    ])


class InviteUserForm(Form):
    email = _email_field()
    name = StringField("Name", validators=[
        Length(max=255, message="A name has at most 255 characters."),
    ])
    role = RoleField("Role", choices=ROLE_CHOICES, default="marketer")


class RoleForm(Form):
    role = RoleField("Role", choices=ROLE_CHOICES)


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that post."""


class TokenForm(Form):
    name = StringField("Name", validators=[
        DataRequired("Give the token a name, such as the survey tool that will use it."),
        Length(max=100, message="A token name has at most 100 characters."),
    ])
