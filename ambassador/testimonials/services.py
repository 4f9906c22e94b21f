"""Writing, reading and withdrawing testimonials, for their authors.

A testimonial is plain text: it is stored as typed and escaped wherever it is shown.
Each consent choice is recorded with the exact wording shown, its version and the
server time; the flags on the testimonial follow the latest record of each scope.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.i18n import recipient_language
from ambassador.mail.services import queue_mail
from ambassador.nps.models import Customer, Response
from ambassador.testimonials.consent import CONSENT_VERSION, WITHDRAWN_WORDING, wording
from ambassador.testimonials.models import (
    BODY_MAX,
    BODY_MIN,
    LANGUAGES,
    NAME_MAX,
    SCOPES,
    TITLE_MAX,
    Testimonial,
    TestimonialConsent,
    TestimonialPhoto,
)
from ambassador.testimonials.photos import Photo
from ambassador.text import text_problem
from ambassador.urls import absolute_url
from ambassador.utils import NotFound, ServiceError, utcnow

MANAGE_SALT = "testimonial-manage"


class TestimonialError(ServiceError):
    """A testimonial could not be written or changed; the message says why.

    `problems` holds every problem of a submission, by the form field it is about.
    """

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        super().__init__(message)
        self.problems = problems or {}


@dataclass
class Submission:
    """What the author filled in on the form (or the request page)."""

    body: str
    rating: int
    author_name: str = ""
    name_format: str = "full"
    author_title: str = ""
    language: str = "en"
    consents: dict[str, bool] = field(default_factory=dict)
    case_study: bool = False
    reference_call: bool = False
    photo: Photo | None = None


def clean_text(value: str | None, limit: int, label: str, required: bool = False,
               multiline: bool = False) -> str:
    """Trim a text field; refuse control characters and text beyond `limit` characters."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline:
        text = " ".join(text.split())
    if text_problem(text, multiline=multiline):
        raise TestimonialError(_("%(field)s contains invisible control characters.",
                                 field=label))
    if required and not text:
        raise TestimonialError(_("%(field)s is required.", field=label))
    if len(text) > limit:
        raise TestimonialError(_("%(field)s has at most %(n)d characters (%(got)d given).",
                                 field=label, n=limit, got=len(text)))
    return text


def short_name(full_name: str) -> str:
    """"First name and initial only": Hélène Dupré → Hélène D."""
    words = full_name.split()
    if len(words) < 2:
        return full_name
    return f"{words[0]} {words[-1][:1].upper()}."


def prefill_for(customer: Customer | None, account_name: str = "") -> dict:
    """The form's starting values: the name, title and language we know of the author."""
    name = account_name or (customer.name if customer else "") or ""
    return {"author_name": name[:NAME_MAX],
            "author_title": ((customer.company if customer else "") or "")[:TITLE_MAX],
            "language": (customer.language or "en")[:2].lower()
            if customer and (customer.language or "")[:2].lower() in LANGUAGES else "en"}


def _checked(sub: Submission) -> Submission:
    """The submission cleaned, or TestimonialError naming every problem at once."""
    problems: dict[str, str] = {}

    def clean(field: str, value, limit: int, label: str, **options) -> str:
        try:
            return clean_text(value, limit, label, **options)
        except TestimonialError as exc:
            problems[field] = str(exc)
            return ""

    body = clean("body", sub.body, BODY_MAX, _("Your testimonial"), required=True,
                 multiline=True)
    if body and len(body) < BODY_MIN:
        problems["body"] = _("Write at least %(n)d characters.", n=BODY_MIN)
    if not isinstance(sub.rating, int) or not 1 <= sub.rating <= 5:
        problems["rating"] = _("Choose a rating from 1 to 5 stars.")
    if sub.name_format not in ("full", "initial"):
        problems["name_format"] = _("Choose how your name is shown.")
    name = clean("author_name", sub.author_name, NAME_MAX, _("Name"), required=True)
    if sub.name_format == "initial":
        name = short_name(name)
    title = clean("author_title", sub.author_title, TITLE_MAX, _("Title and company"))
    if sub.language not in LANGUAGES:
        problems["language"] = _("Choose the language of your testimonial.")
    if not sub.consents.get("text"):
        problems["consent_text"] = _("We can only publish your words with your consent: "
                                     "tick the box that allows us to publish the text.")
    if problems:
        raise TestimonialError(next(iter(problems.values())), problems)
    return Submission(body=body, rating=sub.rating, author_name=name,
                      name_format=sub.name_format, author_title=title, language=sub.language,
                      consents={s: bool(sub.consents.get(s)) for s in SCOPES},
                      case_study=bool(sub.case_study), reference_call=bool(sub.reference_call),
                      photo=sub.photo)


def problems(sub: Submission) -> dict[str, str]:
    """Every problem of a submission, by field (empty when it can be saved)."""
    try:
        _checked(sub)
    except TestimonialError as exc:
        return exc.problems
    return {}


def latest_response(customer_id: int) -> Response | None:
    """The customer's latest NPS answer (the one behind a testimonial written now)."""
    return db.session.scalar(
        select(Response).where(Response.customer_id == customer_id)
        .order_by(Response.responded_at.desc(), Response.id.desc()).limit(1))


def record_consents(testimonial: Testimonial, consents: dict[str, bool], now) -> None:
    """Store each scope's choice with the wording shown and set the current flags."""
    for scope in SCOPES:
        granted = bool(consents.get(scope))
        db.session.add(TestimonialConsent(
            testimonial_id=testimonial.id, scope=scope, granted=granted,
            wording=wording(scope), version=CONSENT_VERSION, recorded_at=now))
        setattr(testimonial, f"consent_{scope}", granted)


def submit(customer: Customer, submission: Submission, user=None, request=None,
           response: Response | None = None, now=None) -> Testimonial:
    """Write a pending testimonial with its consents; the photo is kept only if consented."""
    now = now or utcnow()
    sub = _checked(submission)
    response = response or latest_response(customer.id)
    testimonial = Testimonial(
        customer_id=customer.id, user_id=user.id if user else None,
        request_id=request.id if request else None, body=sub.body, original_body=sub.body,
        rating=sub.rating, author_name=sub.author_name, name_format=sub.name_format,
        author_title=sub.author_title, language=sub.language, status="pending",
        case_study=sub.case_study, reference_call=sub.reference_call,
        response_id=response.id if response else None,
        nps_score=response.score if response else None,
        nps_responded_at=response.responded_at if response else None,
        score_seen_at=customer.latest_response_at, submitted_at=now, updated_at=now)
    db.session.add(testimonial)
    db.session.flush()
    record_consents(testimonial, sub.consents, now)
    if sub.photo is not None and sub.consents["photo"]:
        db.session.add(TestimonialPhoto(
            testimonial_id=testimonial.id, data=sub.photo.data, mimetype=sub.photo.mimetype,
            width=sub.photo.width, height=sub.photo.height, digest=sub.photo.digest))
    db.session.flush()
    return testimonial


def author_testimonials(customer_id: int) -> list[Testimonial]:
    """The author's testimonials, newest first."""
    return list(db.session.scalars(
        select(Testimonial).where(Testimonial.customer_id == customer_id)
        .order_by(Testimonial.submitted_at.desc(), Testimonial.id.desc())))


def get_for_author(testimonial_id: int, customer_id: int | None) -> Testimonial:
    """One of the author's own testimonials; NotFound for anyone else's."""
    testimonial = db.session.get(Testimonial, testimonial_id)
    if testimonial is None or customer_id is None or testimonial.customer_id != customer_id:
        raise NotFound(_("This testimonial does not exist."))
    return testimonial


def _take_back(session, testimonial: Testimonial, now) -> None:
    """Mark withdrawn, record every consent as taken back, drop the photo (no flush)."""
    testimonial.status = "withdrawn"
    testimonial.withdrawn_at = now
    testimonial.featured = False
    for scope in SCOPES:
        session.add(TestimonialConsent(
            testimonial_id=testimonial.id, scope=scope, granted=False,
            wording=WITHDRAWN_WORDING, version=CONSENT_VERSION, recorded_at=now))
        setattr(testimonial, f"consent_{scope}", False)
    if testimonial.photo is not None:
        session.delete(testimonial.photo)


def withdraw(testimonial: Testimonial, now=None) -> bool:
    """Take a testimonial back at once, consents included; False if it already was."""
    if testimonial.status == "withdrawn":
        return False
    _take_back(db.session, testimonial, now or utcnow())
    db.session.flush()
    return True


def withdraw_all(customer_id: int | None = None, user_id: int | None = None) -> int:
    """Withdraw every testimonial of a customer or an account (when the account goes)."""
    stmt = select(Testimonial).where(Testimonial.status != "withdrawn")
    if customer_id is not None:
        stmt = stmt.where(Testimonial.customer_id == customer_id)
    elif user_id is not None:
        stmt = stmt.where(Testimonial.user_id == user_id)
    else:
        return 0
    return sum(withdraw(t) for t in db.session.scalars(stmt).all())


@event.listens_for(Session, "before_flush")
def _withdraw_for_deleted_accounts(session, _context, _instances) -> None:
    """Deleting an account withdraws all its testimonials, in the same transaction."""
    from ambassador.auth.models import User

    gone = [obj for obj in session.deleted if isinstance(obj, User)]
    if not gone:
        return
    with session.no_autoflush:
        for user in gone:
            clause = Testimonial.user_id == user.id
            if user.customer_id is not None:
                clause = or_(clause, Testimonial.customer_id == user.customer_id)
            for testimonial in session.scalars(
                    select(Testimonial).where(clause, Testimonial.status != "withdrawn")):
                _take_back(session, testimonial, utcnow())


def manage_token(testimonial: Testimonial) -> str:
    """The signed token of an author's manage link (for authors without an account)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=MANAGE_SALT).dumps(
        testimonial.id)


def from_manage_token(token: str) -> Testimonial:
    """The testimonial a manage link points to; NotFound for a forged or stale link."""
    try:
        testimonial_id = URLSafeSerializer(current_app.config["SECRET_KEY"],
                                           salt=MANAGE_SALT).loads(token)
    except BadSignature as exc:
        raise NotFound(_("This link is not valid.")) from exc
    testimonial = db.session.get(Testimonial, testimonial_id) \
        if isinstance(testimonial_id, int) else None
    if testimonial is None:
        raise NotFound(_("This testimonial does not exist."))
    return testimonial


def author_link(testimonial: Testimonial) -> str:
    """Where the author sees and withdraws it: the portal, or the manage link by mail."""
    if testimonial.user_id is not None:
        return absolute_url("testimonials.mine_detail", testimonial_id=testimonial.id)
    return absolute_url("testimonials.manage", token=manage_token(testimonial))


def mail_language(customer: Customer) -> str:
    """The language a mail to this customer is written in: their account's, else theirs."""
    user = db.session.scalar(select(User).where(User.customer_id == customer.id))
    return recipient_language(user, customer)


def notify_author(testimonial: Testimonial, kind: str, **context) -> None:
    """Mail the author that their testimonial was approved, rejected or edited."""
    customer = testimonial.customer
    with force_locale(mail_language(customer)):
        subjects = {"approved": _("Your testimonial is published: thank you!"),
                    "rejected": _("About your testimonial"),
                    "edited": _("We corrected your testimonial")}
        queue_mail(customer.email, "testimonial_update", subjects[kind],
                   locale=mail_language(customer), kind=kind,
                   testimonial=testimonial, link=author_link(testimonial), **context)
