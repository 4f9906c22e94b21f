"""Forms of the follow-up pages, the webhooks page and the digest opt-in."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ambassador.checkins.followup_actions import MAX_NOTE, MAX_REPLY
from ambassador.checkins.webhook_models import MAX_URL
from ambassador.text import Form

EVENT_LABELS = {
    "response.received": _l("A response is received"),
    "response.detractor": _l("A detractor answers (0-6)"),
    "task.opened": _l("A follow-up task is opened"),
    "task.resolved": _l("A follow-up task is resolved"),
}


class TaskForm(Form):
    """Who owns the task and where it stands."""

    owner = SelectField(_l("Owner"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[
        SelectChoice("open", _l("Open")), SelectChoice("contacted", _l("Contacted")),
        SelectChoice("resolved", _l("Resolved"))])


class NoteForm(Form):
    """An internal note."""

    body = TextAreaField(_l("Note (only staff see it)"), validators=[
        DataRequired(_l("Write the note first.")),
        Length(max=MAX_NOTE, message=_l("Keep it under 5,000 characters."))])


class ReplyForm(Form):
    """The "we changed this because of you" mail."""

    body = TextAreaField(_l("What we changed because of you"), validators=[
        DataRequired(_l("Write what you changed first.")),
        Length(max=MAX_REPLY, message=_l("Keep it under 5,000 characters."))])


class WebhookForm(Form):
    """A new webhook: the event and the URL."""

    event = SelectField(_l("Event"), choices=[SelectChoice(k, v) for k, v in EVENT_LABELS.items()],
                        validators=[DataRequired(_l("Choose an event."))])
    url = StringField(_l("URL"), validators=[
        DataRequired(_l("Enter the URL to send the events to.")),
        Length(max=MAX_URL, message=_l("This URL is too long (at most 2,000 characters)."))])


class DigestForm(Form):
    """The weekly digest opt-in."""

    weekly_digest = BooleanField(_l("Send me the weekly digest"))
