"""Ignored invitations: who never took up their invitations, and the marketer's "invite again".

Listed: active ambassadors with no account and no open invitation whose invitations all
expired unused. The automatic sender stops after AUTOMATIC_INVITATIONS of them; from
then on only a marketer's "invite again" (one fresh link, recorded in the audit trail)
writes to that person.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ambassador.audit.services import record_action
from ambassador.extensions import db
from ambassador.nps.models import Customer
from ambassador.portal.invitations import (
    AUTOMATIC_INVITATIONS,
    _eligible,
    _insert_if_eligible,
    mail_invitation,
)
from ambassador.portal.models import Invitation
from ambassador.utils import NotFound, ServiceError, utcnow

PER_PAGE = 50


@dataclass
class Ignored:
    """One person whose invitations expired unused."""

    customer: Customer
    sent: int
    last_sent_at: datetime
    automatic_left: bool  # the daily job will still send them one fresh link


class AlreadyInvited(ServiceError):
    """The person has an open invitation or an account by now: nothing to send."""

    status_code = 409


def ignored_invitations(page: int = 1, now=None) -> tuple[list[Ignored], bool]:
    """A page of ignored invitations, the longest waiting first, and whether more follow."""
    now = now or utcnow()
    sent = func.count(Invitation.id).label("sent")
    last = func.max(Invitation.created_at).label("last_sent_at")
    offset = (min(max(page, 1), 100_000) - 1) * PER_PAGE
    rows = db.session.execute(
        select(Customer, sent, last)
        .join(Invitation, Invitation.customer_id == Customer.id)
        .where(*_eligible(now, automatic=False))
        .group_by(Customer.id)
        .order_by(last, Customer.id)
        .offset(offset).limit(PER_PAGE + 1)
    ).all()
    people = [Ignored(customer, count, last_at, count < AUTOMATIC_INVITATIONS)
              for customer, count, last_at in rows[:PER_PAGE]]
    return people, len(rows) > PER_PAGE


def invite_again(customer_id: int, actor, now=None) -> Customer:
    """Send one fresh invitation on a marketer's request; flushes, never commits.

    The invitation is written only while the person is still eligible (one conditional
    INSERT, the customer row locked first on PostgreSQL), so a double click sends one.
    """
    now = now or utcnow()
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id).with_for_update())
    if customer is None:
        raise NotFound(_("There is no such ambassador."))
    if customer.status != "active":
        raise ServiceError(_("%(name)s is no longer an active ambassador: they cannot be "
                             "invited.", name=customer.display_name))
    raw = _insert_if_eligible(customer.id, now, automatic=False)
    if raw is None:
        raise AlreadyInvited(_("%(name)s already has an account or an open invitation: "
                               "nothing was sent.", name=customer.display_name))
    mail_invitation(customer, raw, now)
    record_action(actor, "invitation.sent_again", customer, after={"email": customer.email})
    return customer
