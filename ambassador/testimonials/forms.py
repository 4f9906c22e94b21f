"""The testimonial form (portal and request page) and the marketers' small forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from ambassador.testimonials.consent import wording
from ambassador.testimonials.models import (
    BODY_MAX,
    NAME_MAX,
    REASON_MAX,
    SCOPES,
    TITLE_MAX,
)
from ambassador.testimonials.photos import MAX_BYTES
from ambassador.text import Form

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "tr": "Türkçe"}


class TestimonialForm(Form):
    """What an author writes and chooses to show; the consent labels are the stored wording."""

    body = TextAreaField(_l("Your testimonial"), render_kw={
        "maxlength": BODY_MAX, "rows": 6, "data-counter": "body-counter"})
    rating = RadioField(_l("Your rating"), coerce=int, choices=[
        SelectChoice(n, str(n)) for n in (5, 4, 3, 2, 1)],
        validators=[InputRequired(_l("Choose a rating from 1 to 5 stars."))])
    author_name = StringField(_l("Name shown"), render_kw={"maxlength": NAME_MAX,
                                                           "autocomplete": "name"})
    name_format = RadioField(_l("How your name appears"), default="full", choices=[
        SelectChoice("full", _l("Full name, as written")),
        SelectChoice("initial", _l("First name and initial only"))])
    author_title = StringField(_l("Title and company shown"),
                               render_kw={"maxlength": TITLE_MAX})
    language = SelectField(_l("Language of your testimonial"), choices=[
        SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])
    photo = FileField(_l("Photo (optional)"), render_kw={
        "accept": "image/jpeg,image/png,image/webp", "data-max-bytes": MAX_BYTES})
    consent_text = BooleanField()
    consent_name = BooleanField()
    consent_company = BooleanField()
    consent_photo = BooleanField()
    case_study = BooleanField(_l("I would also be happy to do a case study."))
    reference_call = BooleanField(_l("I would take a reference call with a prospective "
                                     "customer."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for scope in SCOPES:
            getattr(self, f"consent_{scope}").label.text = wording(scope)

    def consents(self) -> dict[str, bool]:
        """The four consent choices, as ticked."""
        return {scope: bool(getattr(self, f"consent_{scope}").data) for scope in SCOPES}


class RejectForm(Form):
    reason = TextAreaField(_l("Reason (the author sees it)"), render_kw={
        "maxlength": REASON_MAX, "rows": 2},
        validators=[Length(max=REASON_MAX)])


class EditForm(Form):
    body = TextAreaField(_l("Published text"), render_kw={
        "maxlength": BODY_MAX, "rows": 5, "data-counter": "edit-counter"})


class TagsForm(Form):
    tags = StringField(_l("Tags, separated by commas"), render_kw={"maxlength": 400})


class RequestByEmailForm(Form):
    email = EmailField(_l("Email of an active ambassador"), render_kw={"maxlength": 254})


class ReviewSiteForm(Form):
    name = StringField(_l("Site"), render_kw={"maxlength": 80, "placeholder": "G2"})
    url = StringField(_l("Address of your review page"), render_kw={
        "maxlength": 500, "placeholder": "https://www.g2.com/products/…/reviews"})
