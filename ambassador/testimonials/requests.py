"""From a comment to a testimonial: candidates, "May we quote you?" requests, their links.

A candidate is an active ambassador whose latest 9-10 answer carries a comment and who
was never asked and never wrote a testimonial: one row per person, newest first.
A request mails a one-time link; the page behind it writes one testimonial, then the
same link shows that testimonial to its author.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import aliased

from ambassador.audit import record_action
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.mail.budget import claim_contact, is_unsubscribed, next_contact_at
from ambassador.mail.unsubscribe import queue_bulk_mail
from ambassador.nps.models import Customer, Response
from ambassador.testimonials import services
from ambassador.testimonials.models import BODY_MAX, Testimonial, TestimonialRequest
from ambassador.urls import absolute_url
from ambassador.utils import NotFound, ServiceError, hash_token, new_token, normalise_email, utcnow

REQUEST_DAYS = 30
PER_PAGE = 25


class RequestDead(ServiceError):
    """The link has expired."""

    status_code = 410


@dataclass(frozen=True)
class Candidate:
    """A promoter whose own comment could become a testimonial."""

    customer_id: int
    response_id: int
    name: str
    email: str
    company: str
    language: str
    score: int
    comment: str
    responded_at: object


def _qualifying(response):
    return and_(response.score >= 9, response.comment.is_not(None),
                func.length(func.trim(response.comment)) > 0)


def candidates_query():
    """The candidates, newest answer first (a select of Response and Customer)."""
    newer = aliased(Response)
    return (
        select(Response, Customer)
        .join(Customer, Customer.id == Response.customer_id)
        .where(Customer.status == "active", _qualifying(Response),
               ~exists().where(newer.customer_id == Response.customer_id, _qualifying(newer),
                               (newer.responded_at > Response.responded_at)
                               | ((newer.responded_at == Response.responded_at)
                                  & (newer.id > Response.id))),
               ~exists().where(TestimonialRequest.customer_id == Customer.id),
               ~exists().where(Testimonial.customer_id == Customer.id))
        .order_by(Response.responded_at.desc(), Response.id.desc())
    )


def candidates(page: int = 1, per_page: int = PER_PAGE) -> tuple[list[Candidate], bool]:
    """One page of candidates and whether there is a next page."""
    page = max(page, 1)
    rows = db.session.execute(
        candidates_query().limit(per_page + 1).offset((page - 1) * per_page)).all()
    found = [Candidate(customer_id=c.id, response_id=r.id, name=c.name or "", email=c.email,
                       company=c.company or "", language=c.language or "", score=r.score,
                       comment=r.comment.strip(), responded_at=r.responded_at)
             for r, c in rows[:per_page]]
    return found, len(rows) > per_page


def _lock_customer(customer_id: int) -> Customer | None:
    """The customer row, locked on PostgreSQL so two clicks cannot both ask."""
    return db.session.scalar(
        select(Customer).where(Customer.id == customer_id).with_for_update())


def request_testimonial(customer_id: int, requested_by=None, response_id: int | None = None,
                        now=None) -> TestimonialRequest:
    """Ask an active ambassador "May we quote you?" by mail, with their comment pre-filled."""
    now = now or utcnow()
    customer = _lock_customer(customer_id)
    if customer is None:
        raise NotFound(_("This person does not exist."))
    if customer.status != "active":
        raise services.TestimonialError(
            _("%(who)s is not an active ambassador: only people whose latest answer is 9 "
              "or 10 can be asked.", who=customer.display_name))
    open_request = db.session.scalar(
        select(TestimonialRequest.id).where(TestimonialRequest.customer_id == customer.id,
                                            TestimonialRequest.used_at.is_(None),
                                            TestimonialRequest.expires_at > now).limit(1))
    if open_request is not None:
        raise services.TestimonialError(
            _("%(who)s has already been asked and has not answered yet.",
              who=customer.display_name))
    response = None
    if response_id is not None:
        response = db.session.get(Response, response_id)
        if response is None or response.customer_id != customer.id:
            raise NotFound(_("This answer does not exist."))
    _claim_budget(customer, now)
    prefill = ((response.comment or "").strip() if response else "")[:BODY_MAX]
    raw = new_token()
    request = TestimonialRequest(
        customer_id=customer.id, response_id=response.id if response else None,
        requested_by_id=requested_by.id if requested_by else None,
        token_hash=hash_token(raw), prefill=prefill, created_at=now,
        expires_at=now + timedelta(days=REQUEST_DAYS))
    db.session.add(request)
    db.session.flush()
    _mail(customer, request, raw)
    if requested_by is not None:
        record_action(requested_by, "testimonial.requested", request,
                      after={"customer_id": customer.id, "response_id": request.response_id})
    return request


def request_for_answer(customer_id: int, response_id: int | None, now=None) -> str:
    """Open a "May we quote you?" link for a promoter who just answered 9-10 and pressed
    "Write a testimonial" (no mail: they are on the page); return its one-time token."""
    now = now or utcnow()
    customer = _lock_customer(customer_id)
    if customer is None:
        raise NotFound(_("This person does not exist."))
    if customer.status != "active":
        raise services.TestimonialError(
            _("Only people whose latest answer is 9 or 10 can write a testimonial here."))
    response = db.session.get(Response, response_id) if response_id is not None else None
    if response is not None and response.customer_id != customer.id:
        response = None
    raw = new_token()
    db.session.add(TestimonialRequest(
        customer_id=customer.id, response_id=response.id if response else None,
        token_hash=hash_token(raw), created_at=now,
        expires_at=now + timedelta(days=REQUEST_DAYS),
        prefill=((response.comment or "").strip() if response else "")[:BODY_MAX]))
    db.session.flush()
    return raw


def request_by_email(email: str, requested_by=None, now=None) -> TestimonialRequest:
    """Ask any active ambassador, found by their email address."""
    address = normalise_email(email)
    customer = db.session.scalar(select(Customer).where(Customer.email == address))
    if customer is None:
        raise services.TestimonialError(_("Nobody with the address %(email)s has answered "
                                          "the survey.", email=address))
    response = services.latest_response(customer.id)
    comment = response if response is not None and (response.comment or "").strip() else None
    return request_testimonial(customer.id, requested_by,
                               comment.id if comment is not None else None, now)


def _claim_budget(customer: Customer, now) -> None:
    """Take the request's place in the person's contact budget, or say when it is free."""
    if is_unsubscribed(customer.email):
        raise services.TestimonialError(
            _("%(who)s has unsubscribed from our mail: we cannot ask them.",
              who=customer.display_name))
    if not claim_contact(customer.email, "testimonial_request", now):
        free = next_contact_at(customer.email, now)
        if free is not None:
            raise services.TestimonialError(
                _("%(who)s has received a mail from us in the last few days: ask again "
                  "from %(date)s.", who=customer.display_name, date=format_date(free)))
        raise services.TestimonialError(
            _("%(who)s has received as many mails from us this quarter as we send anyone: "
              "ask again next quarter.", who=customer.display_name))


def _mail(customer: Customer, request: TestimonialRequest, raw: str) -> None:
    name = (customer.name or "").split()[0] if (customer.name or "").split() else ""
    language = services.mail_language(customer)
    with force_locale(language):
        subject = _("May we quote you?")
        queue_bulk_mail(customer.email, "testimonial_request", subject, locale=language,
                        name=name, comment=request.prefill,
                        link=absolute_url("testimonials.quote", token=raw), days=REQUEST_DAYS)


def find_request(raw: str) -> TestimonialRequest:
    """The request behind a link, used or not; NotFound for an unknown token."""
    request = db.session.scalar(
        select(TestimonialRequest).where(TestimonialRequest.token_hash == hash_token(raw or "")))
    if request is None:
        raise NotFound(_("This link is not valid."))
    return request


def check_open(request: TestimonialRequest, now=None) -> None:
    """Refuse an expired request (a used one is shown, not written again)."""
    if request.used_at is None and request.expires_at <= (now or utcnow()):
        raise RequestDead(_("This link has expired. Reply to the mail if you would still "
                            "like to write a few words: we will send you a new one."))


def submit_from_request(raw: str, submission: services.Submission,
                        now=None) -> Testimonial:
    """Write the testimonial of a request, exactly once even under a double submit."""
    now = now or utcnow()
    request = find_request(raw)
    check_open(request, now)
    claimed = db.session.execute(
        update(TestimonialRequest)
        .where(TestimonialRequest.id == request.id, TestimonialRequest.used_at.is_(None),
               TestimonialRequest.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise RequestDead(_("This link has already been used to write a testimonial."))
    response = db.session.get(Response, request.response_id) if request.response_id else None
    user = db.session.scalar(select(User).where(User.customer_id == request.customer_id))
    return services.submit(request.customer, submission, user=user, request=request,
                           response=response, now=now)
