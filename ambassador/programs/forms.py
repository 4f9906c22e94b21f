"""Forms of programs: the marketer's program form, messages, questions, and feedback."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ambassador.programs.feedback import MAX_PROMPT
from ambassador.programs.notices import MAX_BODY, MAX_SUBJECT
from ambassador.programs.rules import ProgramError, time_zones, zone
from ambassador.programs.services import MAX_DESCRIPTION, MAX_SEATS, MAX_TITLE, ProgramFields
from ambassador.text import Form, ascii_int

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

LOCAL = "%Y-%m-%dT%H:%M"


class KnownChoiceField(SelectField):
    """A select that names the valid values when given something else (no 500, no crash)."""

    def pre_validate(self, form) -> None:
        values = [c[0] if isinstance(c, tuple) else c.value for c in self.choices]
        if self.data not in values:
            raise ValidationError(_l("Choose one of the options."))


def _local(field):
    return DateTimeLocalField(field, format=LOCAL, validators=[Optional()],
                              render_kw={"step": 60})


class ProgramForm(Form):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the program a title.")),
        Length(max=MAX_TITLE, message=_l("A title has at most %(max)d characters."))])
    description = TextAreaField(_l("Description (Markdown)"), validators=[
        Length(max=MAX_DESCRIPTION, message=_l("A description has at most %(max)d characters."))],
        render_kw={"rows": 8})
    kind = KnownChoiceField(_l("Kind"), default="early_access", choices=[
        SelectChoice("early_access", _l("Early access (a beta, a preview)")),
        SelectChoice("event", _l("Event (a workshop, a brainstorm, a customer council)"))])
    status = KnownChoiceField(_l("Status"), default="draft", choices=[
        SelectChoice("draft", _l("Draft: only marketers see it")),
        SelectChoice("open", _l("Open: active ambassadors can join")),
        SelectChoice("closed", _l("Closed: no one can join"))])
    seats = StringField(_l("Seats (empty: no limit)"), render_kw={"inputmode": "numeric"})
    timezone = KnownChoiceField(_l("Time zone"), default="UTC")
    opens_at = _local(_l("Opens on"))
    closes_at = _local(_l("Closes on"))
    starts_at = _local(_l("Event starts"))
    ends_at = _local(_l("Event ends"))
    place = StringField(_l("Place"), validators=[Length(max=255)])
    video_url = StringField(_l("Video link"), validators=[Length(max=500)])
    cover = FileField(_l("Cover image (JPEG, PNG or WebP, at most 5 MB)"))
    remove_cover = BooleanField(_l("Remove the cover image"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(name, name) for name in time_zones()]

    def validate_seats(self, field) -> None:
        raw = str(field.data or "").strip()
        if not raw:
            return
        number = ascii_int(raw, low=-MAX_SEATS, high=MAX_SEATS)
        if number is None:
            raise ValidationError(_l("Seats must be a whole number up to %(max)d, or empty for "
                                     "no limit.", max=MAX_SEATS))
        if number <= 0:
            raise ValidationError(_l("Seats must be at least 1 (or empty for no limit)."))

    def fill_from(self, program) -> None:
        """Show a program's times in its own time zone."""
        tz = zone(program.timezone)
        for name in ("opens_at", "closes_at", "starts_at", "ends_at"):
            value = getattr(program, name)
            getattr(self, name).data = (
                value.astimezone(tz).replace(tzinfo=None) if value else None)
        self.seats.data = "" if program.seats is None else str(program.seats)

    def to_fields(self) -> ProgramFields:
        """The entered values, local times read in the chosen time zone and stored as UTC."""
        try:
            tz = zone(self.timezone.data)
        except ProgramError:
            tz = UTC

        def utc(value: datetime | None):
            return value.replace(tzinfo=tz).astimezone(UTC) if value else None

        raw_seats = str(self.seats.data or "").strip()
        return ProgramFields(
            title=self.title.data or "", description=self.description.data or "",
            kind=self.kind.data, status=self.status.data,
            seats=ascii_int(raw_seats, low=-MAX_SEATS, high=MAX_SEATS) if raw_seats else None,
            opens_at=utc(self.opens_at.data), closes_at=utc(self.closes_at.data),
            starts_at=utc(self.starts_at.data), ends_at=utc(self.ends_at.data),
            timezone=self.timezone.data, place=self.place.data or "",
            video_url=self.video_url.data or "")


class MessageForm(Form):
    subject = StringField(_l("Subject"), validators=[
        DataRequired(_l("Give the message a subject.")),
        Length(max=MAX_SUBJECT, message=_l("A subject has at most %(max)d characters."))])
    body = TextAreaField(_l("Message"), validators=[
        DataRequired(_l("Write the message.")),
        Length(max=MAX_BODY, message=_l("A message has at most %(max)d characters."))],
        render_kw={"rows": 6})
    include_waiting = BooleanField(_l("Also write to the people on the waiting list"))


class QuestionForm(Form):
    prompt = StringField(_l("Question"), validators=[
        DataRequired(_l("Write the question.")),
        Length(max=MAX_PROMPT, message=_l("A question has at most %(max)d characters."))])
    kind = KnownChoiceField(_l("Answer"), default="short", choices=[
        SelectChoice("short", _l("Short text")),
        SelectChoice("long", _l("Long text")),
        SelectChoice("rating", _l("Rating from 1 to 5"))])
