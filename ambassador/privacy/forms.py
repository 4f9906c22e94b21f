"""The two confirmations: your password to delete your account, the address to erase."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ambassador.constants import MAX_EMAIL
from ambassador.text import Form


class DeleteAccountForm(Form):
    """Delete my account: type the password again."""

    password = PasswordField(_l("Your password"), validators=[
        DataRequired(_l("Type your password to confirm.")), Length(max=256)])


class EraseCustomerForm(Form):
    """Erase a customer: type their email address to confirm."""

    confirmation = StringField(_l("Type the customer's email address to confirm"), validators=[
        DataRequired(_l("Type the customer's email address to confirm.")),
        Length(max=MAX_EMAIL)])
