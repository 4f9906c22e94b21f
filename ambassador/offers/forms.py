"""Offer forms: the marketers' offer editor, adding codes, and the promoters' claim button."""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ambassador.offers.models import CODE_LENGTH
from ambassador.offers.services import MAX_LIMIT
from ambassador.text import Form

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import RadioField, SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    from wtforms import RadioField

    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

MAX_TEXT = 20_000
CODE_MODE_CHOICES = [
    SelectChoice("shared", _l("One shared code: everybody gets the same code")),
    SelectChoice("pool", _l("A pool of unique codes I paste or upload: each is given once")),
    SelectChoice("generated", _l("Unique codes made by Ambassador, one per person")),
]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class CodesMixin:
    """Codes for a pool: pasted one per line, or a text file with one per line."""

    codes = TextAreaField(_l("Codes, one per line"), validators=[Optional()])
    codes_file = FileField(_l("…or a text or CSV file with one code per line"))


class OfferForm(Form, CodesMixin):
    """An offer's title, texts, validity window, limit and codes."""

    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the offer a title.")),
        Length(max=200, message=_l("Use at most 200 characters."))])
    description = TextAreaField(_l("Description (Markdown)"), validators=[
        Optional(), Length(max=MAX_TEXT, message=_l("Use at most 20,000 characters."))])
    terms = TextAreaField(_l("Terms (Markdown)"), validators=[
        Optional(), Length(max=MAX_TEXT, message=_l("Use at most 20,000 characters."))])
    starts_at = DateTimeLocalField(_l("Opens (UTC)"), format=DATETIME_FORMATS, validators=[
        DataRequired(_l("Choose when the offer opens (a date and a time)."))])
    ends_at = DateTimeLocalField(_l("Ends (UTC, optional)"), format=DATETIME_FORMATS,
                                 validators=[Optional()])
    total_limit = IntegerField(_l("Total limit (optional: empty for no limit)"), validators=[
        Optional(), NumberRange(min=1, max=MAX_LIMIT,
                                message=_l("Enter a number from 1 to 1,000,000."))])
    code_mode = RadioField(_l("How the code is given"), choices=CODE_MODE_CHOICES,
                           default="shared",
                           validators=[DataRequired(_l("Choose how the code is given."))])
    shared_code = StringField(_l("The shared code"), validators=[
        Optional(), Length(max=CODE_LENGTH,
                           message=_l("A code has at most 64 characters."))])
    shareable = BooleanField(_l("Ambassadors may share this offer with friends"))

    def values(self) -> dict:
        """The fields as the offer service takes them (times in UTC)."""
        return {
            "title": self.title.data, "description": self.description.data,
            "terms": self.terms.data,
            "starts_at": _utc(self.starts_at.data), "ends_at": _utc(self.ends_at.data),
            "total_limit": self.total_limit.data, "code_mode": self.code_mode.data,
            "shared_code": self.shared_code.data, "shareable": self.shareable.data,
        }


class AddCodesForm(Form, CodesMixin):
    """More codes for a pool that is running low."""


def _utc(value):
    """A form's naive date-time, read as UTC (the interface states times in UTC)."""
    return value.replace(tzinfo=UTC) if value is not None else None
