"""Ambassadors inviting friends by mail: at most 10 at once, a daily allowance, one mail per
friend and offer, and never to someone who unsubscribed or already is a customer.

Invitations are not transactional mail: each one takes the friend's contact budget
(`mail.budget.claim_contact`, which also refuses unsubscribed addresses) and carries the
unsubscribe link and headers (`mail.unsubscribe.queue_bulk_mail`).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ambassador.extensions import db
from ambassador.i18n import recipient_language
from ambassador.mail.budget import claim_contact, is_unsubscribed, may_contact
from ambassador.mail.unsubscribe import queue_bulk_mail
from ambassador.referrals.models import FriendInvite
from ambassador.referrals.services import (
    ensure_link,
    first_name,
    is_customer,
    landing_offer,
    referral_for_email,
)
from ambassador.text import text_problem
from ambassador.urls import absolute_url
from ambassador.utils import ServiceError, normalise_email, utcnow

MAX_AT_ONCE = 10
MAX_MESSAGE = 1000


@dataclass
class InviteReport:
    """What an invitation sending did, address by address."""

    sent: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (address, why)


def split_addresses(text: str | None) -> list[str]:
    """The addresses typed in the box: separated by commas, semicolons, spaces or lines."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def sent_today(user_id: int, now: datetime) -> int:
    """How many friends this ambassador invited in the last 24 hours."""
    return db.session.scalar(select(func.count()).select_from(FriendInvite).where(
        FriendInvite.user_id == user_id, FriendInvite.sent_at > now - timedelta(days=1)))


def _clean_message(text: str | None) -> str:
    message = (text or "").strip()
    problem = text_problem(message, multiline=True)
    if problem:
        raise ServiceError(_("The message contains a character that cannot be sent: remove "
                             "it and try again."))
    if len(message) > MAX_MESSAGE:
        raise ServiceError(_("The message can have at most 1,000 characters."))
    return message


def invite_friends(user, offer_id: int | None, addresses: str | None, message: str | None,
                   now: datetime | None = None) -> InviteReport:
    """Mail each new friend an invitation to the offer through the ambassador's link."""
    now = now or utcnow()
    link = ensure_link(user)
    offer = landing_offer(offer_id, now)
    if offer is None or (offer_id is not None and offer.id != offer_id):
        raise ServiceError(_("Choose one of the offers you may share."))
    emails = split_addresses(addresses)
    if not emails:
        raise ServiceError(_("Enter at least one email address."))
    if len(emails) > MAX_AT_ONCE:
        raise ServiceError(_("Invite at most 10 friends at once (you entered %(num)s).",
                             num=len(emails)))
    clean = []
    for raw in emails:
        try:
            clean.append(normalise_email(raw))
        except ServiceError as exc:
            raise ServiceError(str(exc)) from None
    message = _clean_message(message)
    allowance = current_app.config["REFERRAL_INVITES_PER_DAY"] - sent_today(user.id, now)
    report = InviteReport()
    own = {user.email.lower()} | ({user.customer.email} if user.customer else set())
    for email in dict.fromkeys(clean):
        why = _skip_reason(email, offer.id, own, now)
        if why is None and allowance <= 0:
            why = _("today's limit of invitations is reached: try again tomorrow")
        if why is not None:
            report.skipped.append((email, why))
            continue
        refused = _record_invite(user.id, offer.id, email, now)
        if refused is not None:
            report.skipped.append((email, refused))
            continue
        queue_bulk_mail(email, "referral_invite",
                        _l("%(name)s invites you to an offer", name=first_name(user)),
                        locale=recipient_language(user), name=first_name(user),
                        full_name=user.name or first_name(user), offer=offer,
                        message=message,
                        url=absolute_url("referrals.landing", code=link.code, offer=offer.id),
                        unsubscribe_reason=_l("You receive this mail because %(name)s, one of "
                                              "our customers, invited you.",
                                              name=first_name(user)))
        allowance -= 1
        report.sent.append(email)
    return report


def _record_invite(user_id: int, offer_id: int, email: str, now: datetime) -> str | None:
    """Record the invitation and take the friend's contact budget, both or neither."""
    nested = db.session.begin_nested()
    try:
        db.session.add(FriendInvite(user_id=user_id, offer_id=offer_id, friend_email=email,
                                    sent_at=now))
        db.session.flush()
    except IntegrityError:  # invited for this offer by someone else a moment ago
        nested.rollback()
        return _("already invited to this offer")
    if not claim_contact(email, "referral_invite", now):  # mailed a moment ago, or left
        nested.rollback()
        return _("had a mail from us a few days ago: try again next week")
    nested.commit()
    return None


def _skip_reason(email: str, offer_id: int, own: set[str], now: datetime) -> str | None:
    """Why this address gets no invitation, in the ambassador's words, or None."""
    if email in own:
        return _("that is your own address")
    if is_customer(email):
        return _("already a customer")
    if referral_for_email(email) is not None:
        return _("already signed up")
    if db.session.scalar(select(FriendInvite.id).where(
            FriendInvite.friend_email == email, FriendInvite.offer_id == offer_id)):
        return _("already invited to this offer")
    if is_unsubscribed(email):
        return _("does not wish to receive our mail")
    if not may_contact(email, now):
        return _("had a mail from us a few days ago: try again next week")
    return None


def summary(report: InviteReport) -> list[tuple[str, str]]:
    """The flash messages (category, text) telling the ambassador what happened."""
    lines = []
    if report.sent:
        lines.append(("success", ngettext("Invitation sent to %(num)s friend.",
                                          "Invitations sent to %(num)s friends.",
                                          len(report.sent))))
    for email, why in report.skipped:
        lines.append(("warning", _("Not sent to %(email)s: %(why)s.", email=email, why=why)))
    return lines
