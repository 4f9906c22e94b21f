"""Privacy rules: a person's data, deleting one's account, erasing a customer, retention."""

import json
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash

from ambassador.audit import record_action
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.nps.models import Customer, Response
from ambassador.privacy import erasure, registry
from ambassador.privacy.registry import Subject
from ambassador.utils import NotFound, ServiceError, utcnow

PER_PAGE = 50


class PrivacyError(ServiceError):
    """An erasure was refused (wrong password, wrong confirmation, a staff account)."""


def subject_of_user(user: User) -> Subject:
    """The person behind an account: the account and its customer record."""
    return Subject(customer=user.customer, user=user)


def subject_of_customer(customer: Customer) -> Subject:
    """The person behind a customer record: the record and the account linked to it, if any."""
    user = db.session.scalar(select(User).where(
        or_(User.customer_id == customer.id, User.email == customer.email)))
    return Subject(customer=customer, user=user)


def get_customer(customer_id: int) -> Customer:
    """The customer record, or NotFound."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("There is no such customer."))
    return customer


def data_of(subject: Subject, now: datetime | None = None) -> dict:
    """Everything held about the person, one section per feature, as one JSON document."""
    return {"generated_at": (now or utcnow()).isoformat(), "format": "ambassador-data/1",
            **registry.collect(subject)}


def data_json(subject: Subject) -> str:
    """The download: `data_of` as indented UTF-8 JSON."""
    return json.dumps(data_of(subject), ensure_ascii=False, indent=2, sort_keys=False)


def erase(subject: Subject) -> dict:
    """Run every registered erasure step for the person; flushes, never commits."""
    return registry.run_erasures(subject)


def delete_own_account(user: User, password: str) -> dict:
    """A promoter deletes their account and their personal data, confirming with their password."""
    if user.is_staff:
        raise PrivacyError(_("Staff accounts are removed by an admin (People page)."))
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise PrivacyError(_("That is not your password: nothing was deleted."))
    subject = subject_of_user(user)
    customer_id = subject.customer_id
    counts = erase(subject)
    record_action(None, "account.deleted", ("customers", customer_id) if customer_id
                  else ("users", user.id), after=counts)
    return counts


def erase_customer(customer: Customer, actor: User, confirmation: str) -> dict:
    """A marketer erases a customer on their request; they type the address to confirm."""
    if customer.erased_at is not None:
        raise PrivacyError(_("This customer's data has already been erased."))
    if (confirmation or "").strip().lower() != customer.email.lower():
        raise PrivacyError(_("Type the customer's email address exactly to confirm: nothing "
                             "was erased."))
    subject = subject_of_customer(customer)
    if subject.user is not None and subject.user.is_staff:
        raise PrivacyError(_("This customer record belongs to a staff account: an admin "
                             "must change its role first."))
    counts = erase(subject)
    record_action(actor, "customer.erased", customer, after=counts)
    return counts


def search_customers(query: str, page: int = 1):
    """Customers whose email or name contains the text, most recent answer first."""
    stmt = select(Customer).order_by(Customer.latest_response_at.desc().nulls_last(),
                                     Customer.id.desc())
    text = (query or "").strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(or_(func.lower(Customer.email).like(like, escape="\\"),
                              func.lower(Customer.name).like(like, escape="\\")))
    page = min(max(page or 1, 1), 1_000_000)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment N calendar years before `now` (29 February falls back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return (now - timedelta(days=1)).replace(year=now.year - years)


def apply_retention(years: int | None, now: datetime | None = None) -> int:
    """Anonymise every response older than `years`; returns how many were anonymised.

    A response answered before the cutoff keeps only its score, date, source and
    touchpoint. A customer without an account whose every answer is older than that is
    erased altogether (like an erasure on request, recorded as `customer.erased` with
    reason "retention"). None or 0 years keeps everything. Running it twice changes
    nothing the second time.
    """
    if not years:
        return 0
    now = now or utcnow()
    cutoff = retention_cutoff(now, years)
    count = 0
    stale = select(Customer).where(
        Customer.erased_at.is_(None), Customer.latest_response_at < cutoff,
        ~select(User.id).where(or_(User.customer_id == Customer.id,
                                   User.email == Customer.email)).exists())
    for customer in db.session.scalars(stale).all():
        counts = erase(Subject(customer=customer))
        count += counts.get("customer_record", {}).get("responses", 0)
        record_action(None, "customer.erased", customer,
                      after={"reason": "retention", "years": years, **counts})
    count += erasure.anonymise_responses(Response.responded_at < cutoff, now)
    return count
