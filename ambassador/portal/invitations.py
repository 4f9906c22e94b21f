"""Invitations: the one mail that brings an active ambassador to their portal.

Who is invited: every customer whose status is active, who has no account (no user
with their customer_id or their email) and no open invitation (unused, unexpired).
`invitations send` (and the daily job) invites a person at most AUTOMATIC_INVITATIONS
times in all: the first invitation, then one fresh link after it expired unused. After
that only a person's explicit action sends another: the marketer's "invite again"
(ignored.py) or the "send me a fresh link" button on the dead link.

Concurrency, without a unique partial index: each invitation is written by a
conditional INSERT … SELECT … WHERE the customer is still eligible, and on PostgreSQL
the customer row is locked first (`FOR UPDATE SKIP LOCKED` for the batch,
`FOR UPDATE` for a single fresh link). The conditional INSERT is a new statement, so
under READ COMMITTED it sees every invitation committed by whoever held the lock
before; a second `invitations send` skips the rows the first one holds. SQLite runs
each INSERT under its database write lock, which serialises the check and the write.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, insert, literal, or_, select, update
from sqlalchemy.types import Integer, String

from ambassador.auth import services as accounts
from ambassador.auth.models import User
from ambassador.extensions import db
from ambassador.i18n import person_language, recipient_language
from ambassador.mail.services import queue_mail
from ambassador.nps.models import Customer
from ambassador.portal.models import Invitation
from ambassador.urls import absolute_url
from ambassador.utils import NotFound, ServiceError, UTCDateTime, hash_token, new_token, utcnow

# A dead link's "send me a fresh one" button mails at most once in this window.
RENEW_COOLDOWN = timedelta(minutes=10)
# The automatic sender invites a person this many times at most: once, then once again.
AUTOMATIC_INVITATIONS = 2


class InvitationDead(ServiceError):
    """The invitation exists but has been used or has expired."""

    status_code = 410


def first_name(customer: Customer) -> str:
    """The name a warm greeting uses: the first word of the customer's name, or ''."""
    words = (customer.name or "").split()
    return words[0] if words else ""


def _has_open_invitation(now):
    return exists().where(
        Invitation.customer_id == Customer.id,
        Invitation.used_at.is_(None),
        Invitation.expires_at > now,
    ).correlate(Customer)


def invitations_sent():
    """How many invitations the customer of the outer query was ever sent (a subquery)."""
    return (select(func.count(Invitation.id)).where(Invitation.customer_id == Customer.id)
            .correlate(Customer).scalar_subquery())


def _eligible(now, automatic: bool = True) -> list:
    """Conditions on Customer: active, no account, no open invitation (and, for the
    automatic sender, fewer than AUTOMATIC_INVITATIONS invitations so far)."""
    # Two NOT EXISTS rather than one over an OR, so each can use its unique index.
    conditions = [
        Customer.status == "active",
        ~exists().where(User.customer_id == Customer.id),
        ~exists().where(User.email == Customer.email),
        ~_has_open_invitation(now),
    ]
    if automatic:
        conditions.append(invitations_sent() < AUTOMATIC_INVITATIONS)
    return conditions


def count_uninvited(now=None, cap: int | None = None) -> int:
    """How many active ambassadors `send_invitations` would invite now (at most `cap`)."""
    now = now or utcnow()
    eligible = select(Customer.id).where(*_eligible(now))
    if cap:
        eligible = eligible.limit(cap)
    return db.session.scalar(select(func.count()).select_from(eligible.subquery()))


def existing_account(customer: Customer) -> User | None:
    """The account already linked to this customer or using their email, if any."""
    return db.session.scalar(
        select(User)
        .where(or_(User.customer_id == customer.id, User.email == customer.email))
        .order_by(case((User.customer_id == customer.id, 0), else_=1), User.id)
        .limit(1)
    )


def _insert_if_eligible(customer_id: int, now, automatic: bool = True) -> str | None:
    """Write an invitation if the customer is still eligible; return the raw token or None."""
    raw = new_token()
    days = current_app.config["INVITATION_DAYS"]
    values = select(
        literal(customer_id, Integer()),
        literal(hash_token(raw), String()),
        literal(now, UTCDateTime()),
        literal(now + timedelta(days=days), UTCDateTime()),
    ).where(exists().where(Customer.id == customer_id, *_eligible(now, automatic)))
    written = db.session.execute(
        insert(Invitation.__table__)
        .from_select(["customer_id", "token_hash", "created_at", "expires_at"], values)
        .returning(Invitation.__table__.c.id)
    ).all()
    return raw if written else None


def mail_invitation(customer: Customer, raw: str, now) -> None:
    """Queue the invitation mail carrying the link of `raw`, in the person's language."""
    days = current_app.config["INVITATION_DAYS"]
    name = first_name(customer)
    subject = (_l("%(name)s, thank you: you are invited to become one of our ambassadors",
                  name=name)
               if name else _l("Thank you: you are invited to become one of our ambassadors"))
    queue_mail(
        customer.email, "invitation", subject, locale=recipient_language(customer=customer),
        customer=customer, name=name,
        link=absolute_url("portal.accept_invitation", token=raw), days=days,
        expires_at=now + timedelta(days=days),
    )


def send_invitations(now=None) -> int:
    """Invite every eligible active ambassador once; return how many were invited.

    Flushes, never commits: the invitations and their mails commit together.
    """
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Customer.id)
        .where(*_eligible(now))
        .order_by(Customer.id)
        .with_for_update(skip_locked=True, of=Customer)
    ).all()
    invited = 0
    for customer_id in candidates:
        raw = _insert_if_eligible(customer_id, now)
        if raw is not None:
            mail_invitation(db.session.get(Customer, customer_id), raw, now)
            invited += 1
    return invited


def _lookup(raw: str) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(raw or ""))
    )


def find_invitation(raw: str) -> Invitation:
    """The invitation a link points to, dead or alive; NotFound for an unknown token."""
    invitation = _lookup(raw)
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    return invitation


def link_language(raw: str) -> str | None:
    """The language of the person a link was sent to, live, used or expired alike: their
    account's choice, else their customer record's; None for an unknown link."""
    invitation = _lookup(raw)
    if invitation is None:
        return None
    customer = invitation.customer
    return person_language(existing_account(customer), customer)


def used_by(raw: str, user) -> bool:
    """Whether this link was already used, and `user` (logged in) is the account it made."""
    invitation = _lookup(raw)
    return (invitation is not None and invitation.used_at is not None
            and bool(getattr(user, "is_authenticated", False))
            and user.customer_id == invitation.customer_id)


def _dead_reason(invitation: Invitation, now) -> str | None:
    if invitation.used_at is not None:
        return _("This invitation has already been used.")
    if invitation.expires_at <= now:
        return _("This invitation has expired.")
    return None


def check_invitation(raw: str, now=None) -> Invitation:
    """The open invitation of a link; InvitationDead (410) if used or expired."""
    invitation = find_invitation(raw)
    reason = _dead_reason(invitation, now or utcnow())
    if reason:
        raise InvitationDead(reason)
    return invitation


def _claim(invitation: Invitation, now) -> None:
    """Mark the invitation used, exactly once even under a double submit."""
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None),
               Invitation.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvitationDead(_("This invitation has already been used."))


def accept_invitation(raw: str, password: str, now=None) -> User:
    """Create the customer's promoter account and use up the invitation (roll back on error)."""
    now = now or utcnow()
    invitation = check_invitation(raw, now)
    customer = invitation.customer
    if existing_account(customer) is not None:
        raise ServiceError(_("You already have an account: log in with it."))
    _claim(invitation, now)
    return accounts.create_user(customer.email, "promoter", customer.name or "",
                                password=password, customer_id=customer.id)


def link_existing_account(raw: str, now=None) -> User:
    """Use an invitation whose customer already has an account: link it and return it."""
    now = now or utcnow()
    invitation = check_invitation(raw, now)
    user = existing_account(invitation.customer)
    if user is None:
        raise ServiceError(_("There is no account to link yet: choose a password instead."))
    _claim(invitation, now)
    taken = db.session.scalar(
        select(User.id).where(User.customer_id == invitation.customer_id, User.id != user.id)
    )
    if user.customer_id is None and taken is None:
        user.customer_id = invitation.customer_id
    return user


def request_fresh_invitation(raw: str, now=None) -> bool:
    """Mail a new invitation for a dead link's customer if they may still have one.

    Returns whether a mail was queued; the page says the same either way, so a stranger
    holding the link learns nothing. Older open invitations are revoked (expired now).
    """
    now = now or utcnow()
    invitation = find_invitation(raw)
    if _dead_reason(invitation, now) is None:
        return False
    customer = db.session.scalar(
        select(Customer).where(Customer.id == invitation.customer_id).with_for_update()
    )
    if customer is None or customer.status != "active" or existing_account(customer):
        return False
    latest = db.session.scalar(
        select(Invitation.created_at).where(Invitation.customer_id == customer.id)
        .order_by(Invitation.created_at.desc()).limit(1)
    )
    if latest is not None and latest > now - RENEW_COOLDOWN:
        return False
    db.session.execute(
        update(Invitation)
        .where(Invitation.customer_id == customer.id, Invitation.used_at.is_(None),
               Invitation.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    fresh = _insert_if_eligible(customer.id, now, automatic=False)  # the person asked for it
    if fresh is None:
        return False
    mail_invitation(customer, fresh, now)
    return True

