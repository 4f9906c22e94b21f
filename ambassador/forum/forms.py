"""The forum's forms: they carry the fields and the CSRF token; the rules are in services."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ambassador.forum.models import IDEA_STATUSES
from ambassador.text import Form

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

IDEA_STATUS_LABELS = {
    "under_review": _l("Under review"), "planned": _l("Planned"),
    "shipped": _l("Shipped"), "declined": _l("Declined"),
}
KIND_LABELS = {"discussion": _l("Discussion"), "ideas": _l("Ideas (votes and a status)")}


class ThreadForm(Form):
    """A new thread: its title and its first post."""

    title = StringField(_l("Title"))
    body = TextAreaField(_l("Your message"))


class ReplyForm(Form):
    """A reply, maybe quoting an earlier post."""

    body = TextAreaField(_l("Your reply"))
    quote_of = HiddenField()


class EditForm(Form):
    """Changing your own post (the title too, on a thread's first post)."""

    title = StringField(_l("Title"))
    body = TextAreaField(_l("Your message"))


class ReportForm(Form):
    """Telling the moderators what is wrong with a post."""

    reason = TextAreaField(_l("What is wrong with this post?"))


class SeenForm(Form):
    """The last post of a thread the reader's browser showed them."""

    last_post_id = HiddenField()


class DigestForm(Form):
    """The daily digest switch."""

    digest = BooleanField(_l("Send me a daily digest when someone replies to me or quotes me"))


class CategoryForm(Form):
    """A category as marketers set it up."""

    name = StringField(_l("Name"))
    description = StringField(_l("Description"))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    staff_only = BooleanField(_l("Only the team posts here (for example Announcements)"))
    on_home = BooleanField(_l("Show its latest threads on the promoters' home page"))
    program_id = SelectField(_l("Private to the enrollees of"), coerce=str, choices=[])


class MoveForm(Form):
    """Moving a thread to another category."""

    category_id = SelectField(_l("Move to"), coerce=str, choices=[])


class StatusForm(Form):
    """Where an idea stands."""

    status = SelectField(_l("Status"), choices=[SelectChoice(s, IDEA_STATUS_LABELS[s])
                                                for s in IDEA_STATUSES])
