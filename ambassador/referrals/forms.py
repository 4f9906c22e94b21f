"""Referral forms: the friend's sign-up, invitations by mail, rewards and the ledger."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ambassador.text import Form, ascii_int

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

KIND_CHOICES = [SelectChoice("points", _l("points")), SelectChoice("credit", _l("credit"))]


class SignUpForm(Form):
    """The friend's name, email and consent, on the landing page."""

    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Tell us your name.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    email = StringField(_l("Your email"), validators=[
        DataRequired(_l("An email address is required.")),
        Length(max=254, message=_l("Use at most 254 characters."))])
    consent = BooleanField(_l("I agree to be contacted about this offer"), validators=[
        DataRequired(_l("Tick the box to agree that we contact you about this offer."))])
    offer_id = HiddenField()

    def offer(self) -> int | None:
        """The offer the page showed, as an id (None when absent or not a number)."""
        return ascii_int(self.offer_id.data, 1)


class InviteForm(Form):
    """Up to 10 friends' addresses, a personal message, and the offer they are invited to."""

    offer_id = SelectField(_l("Offer"), coerce=str, validate_choice=False)
    addresses = TextAreaField(_l("Your friends' email addresses (up to 10, one per line or "
                                 "separated by commas)"), validators=[
        DataRequired(_l("Enter at least one email address.")),
        Length(max=3000, message=_l("That is too long for 10 addresses."))])
    message = TextAreaField(_l("A personal message (optional)"), validators=[
        Optional(), Length(max=1000, message=_l("Use at most 1,000 characters."))])


class RewardForm(Form):
    """The reward of one offer: points or a credit amount (empty: none)."""

    kind = SelectField(_l("Reward"), choices=KIND_CHOICES, default="points")
    amount = StringField(_l("Amount"), validators=[
        Optional(), Length(max=20, message=_l("Use at most 20 characters."))])


class AdjustForm(Form):
    """A marketer's adjustment of a ledger, with its reason."""

    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, default="points")
    amount = StringField(_l("Amount (negative to deduct)"), validators=[
        DataRequired(_l("Enter an amount.")),
        Length(max=20, message=_l("Use at most 20 characters."))])
    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why, in a few words.")),
        Length(max=500, message=_l("Use at most 500 characters."))])


class SettleForm(Form):
    """Redeeming or reversing one ledger entry, with its reason."""

    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why, in a few words.")),
        Length(max=500, message=_l("Use at most 500 characters."))])


class UploadForm(Form):
    """A CSV or text file of customer emails: their referrals convert."""

    file = FileField(_l("A CSV or text file with one customer email per line"))
