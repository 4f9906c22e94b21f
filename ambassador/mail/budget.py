"""The one contact budget of every non-transactional mail, and the unsubscribe list.

Check-ins and their reminders, testimonial requests, program messages and reminders,
digests, nudges: each of them asks here before queueing. A person gets at most one such
mail every CONTACT_MIN_DAYS days and CONTACT_QUARTER_CAP per calendar quarter, and none
once unsubscribed. What the budget holds back is not dropped: the caller leaves it for
its next run. Transactional mail (invitations, password resets, a code just claimed, the
answer to something the person just did) never asks.

    if claim_contact(email, "testimonial_request", now):   # checks and counts, atomically
        queue_bulk_mail(...)

`claim_contacts` does the same for a whole chunk of addresses in three statements, so
a 100,000-person round stays fast. The claim is one conditional UPDATE whose matched
rows decide: two features, or two machines, mailing the same person at the same moment
cannot both pass. Addresses are compared lower-cased.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ambassador.extensions import db
from ambassador.mail.models import ContactBudget, Unsubscribe
from ambassador.utils import utcnow


def quarter_label(moment: datetime) -> str:
    """The calendar quarter of a moment (UTC), written 2026-Q4."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def normalise(email: str) -> str:
    """The form an address is kept in here: trimmed and lower-cased."""
    return (email or "").strip().lower()


def _limits() -> tuple[timedelta, int]:
    config = current_app.config
    return timedelta(days=config["CONTACT_MIN_DAYS"]), config["CONTACT_QUARTER_CAP"]


def is_unsubscribed(email: str) -> bool:
    """True when the person asked for no more non-transactional mail."""
    return bool(unsubscribed_among([email]))


def unsubscribed_among(emails: Iterable[str]) -> set[str]:
    """The (normalised) addresses of `emails` that are unsubscribed."""
    wanted = sorted({normalise(e) for e in emails if e})
    if not wanted:
        return set()
    return set(db.session.scalars(
        select(Unsubscribe.email).where(Unsubscribe.email.in_(wanted),
                                        Unsubscribe.unsubscribed_at.is_not(None))))


def may_contact(email: str, now: datetime | None = None) -> bool:
    """Whether a non-transactional mail to this person is within the budget (reads only)."""
    now = now or utcnow()
    email = normalise(email)
    if is_unsubscribed(email):
        return False
    row = db.session.get(ContactBudget, email)
    return row is None or _fits(row.last_contact_at, row.quarter, row.quarter_count, now)


def next_contact_at(email: str, now: datetime | None = None) -> datetime | None:
    """The earliest moment the 7-day rule lets this person be mailed again (None: now)."""
    now = now or utcnow()
    row = db.session.get(ContactBudget, normalise(email))
    if row is None or row.last_contact_at is None:
        return None
    gap, _cap = _limits()
    moment = row.last_contact_at + gap
    return moment if moment > now else None


def _fits(last: datetime | None, quarter: str, count: int, now: datetime) -> bool:
    gap, cap = _limits()
    if last is not None and last > now - gap:
        return False
    return quarter != quarter_label(now) or count < cap


def claim_contact(email: str, kind: str, now: datetime | None = None) -> bool:
    """Take one mail of this person's budget; False (nothing changed) when it is spent."""
    return normalise(email) in claim_contacts([email], kind, now)


def claim_contacts(emails: Iterable[str], kind: str, now: datetime | None = None) -> set[str]:
    """Take one mail of the budget of each address; return the (normalised) ones granted.

    Unsubscribed people and those mailed within CONTACT_MIN_DAYS, or CONTACT_QUARTER_CAP
    times this quarter, are left out and their budget is untouched. Flushes, never commits:
    a rollback gives the budget back.
    """
    now = now or utcnow()
    wanted = sorted({normalise(e) for e in emails if e and "@" in e})
    if not wanted:
        return set()
    wanted = sorted(set(wanted) - unsubscribed_among(wanted))
    if not wanted:
        return set()
    table = ContactBudget.__table__
    insert = (postgresql.insert if _postgresql() else sqlite.insert)(table)
    db.session.execute(insert.on_conflict_do_nothing(index_elements=["email"]),
                       [{"email": e, "last_kind": "", "quarter": "", "quarter_count": 0}
                        for e in wanted])
    gap, cap = _limits()
    quarter = quarter_label(now)
    granted = db.session.execute(
        update(table)
        .where(table.c.email.in_(wanted),
               or_(table.c.last_contact_at.is_(None), table.c.last_contact_at <= now - gap),
               or_(table.c.quarter != quarter, table.c.quarter_count < cap))
        .values(last_contact_at=now, last_kind=kind[:40], quarter=quarter,
                quarter_count=case((table.c.quarter == quarter, table.c.quarter_count + 1),
                                   else_=1))
        .returning(table.c.email)
        .execution_options(synchronize_session=False)).scalars().all()
    return set(granted)


def contacts_this_quarter(email: str, now: datetime | None = None) -> int:
    """How many budgeted mails this person got in the current quarter."""
    now = now or utcnow()
    row = db.session.get(ContactBudget, normalise(email))
    return row.quarter_count if row is not None and row.quarter == quarter_label(now) else 0


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def count_unsubscribed() -> int:
    """How many people are unsubscribed (for the marketers' pages)."""
    return db.session.scalar(select(func.count()).select_from(Unsubscribe)
                             .where(Unsubscribe.unsubscribed_at.is_not(None))) or 0
