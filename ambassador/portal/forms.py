"""Forms of the promoter portal: choosing a password from an invitation."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ambassador.auth.services import MIN_PASSWORD


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        validators=[
            DataRequired(message="Choose a password."),
            Length(min=MIN_PASSWORD, max=256,
                   message=f"Use at least {MIN_PASSWORD} characters (and at most 256)."),
        ],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(message="Repeat the password."),
                    EqualTo("password", message="The two passwords differ.")],
    )
