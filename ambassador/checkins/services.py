"""The check-in schedule: who is due, queueing a round in chunks, the pause switch.

An active ambassador (account or not) is due when 90 days have passed since their latest
response and since their latest check-in mail, at most once per calendar quarter; an
unanswered check-in gets one reminder 7 days later (while its links are still valid), so
nobody receives more than two check-in mails in a quarter. Unsubscribed people get none,
and every mail asks the contact budget first: what it holds back waits for the next run.

`send_due` works through the due people in chunks of CHUNK, each chunk a few set-based
statements: the check-in rows are the claim (unique per person and quarter, inserted with
ON CONFLICT DO NOTHING), the reminder is claimed by a conditional UPDATE, so two runs, or
two machines at once, never queue anything twice. It yields after each chunk so that the
caller commits as it goes and memory stays bounded.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ambassador.auth.models import User
from ambassador.checkins.mailing import Renderer
from ambassador.checkins.models import CheckIn, CheckInSchedule
from ambassador.extensions import db
from ambassador.mail.budget import claim_contacts
from ambassador.mail.models import Unsubscribe
from ambassador.mail.services import queue_rendered
from ambassador.nps.models import Customer
from ambassador.nps.rules import quarter_of
from ambassador.utils import utcnow

INTERVAL = timedelta(days=90)
REMINDER_AFTER = timedelta(days=7)
LINK_DAYS = 30
CHUNK = 1000


@dataclass
class RoundResult:
    """What one `send_due` pass (or one chunk of it) queued and held back."""

    checkins: int = 0
    reminders: int = 0
    held_back: int = 0
    paused: bool = False

    def add(self, other: "RoundResult") -> None:
        self.checkins += other.checkins
        self.reminders += other.reminders
        self.held_back += other.held_back

    @property
    def people(self) -> int:
        """How many people this chunk went through (for a progress bar)."""
        return self.checkins + self.reminders + self.held_back

    def summary(self) -> str:
        """The command's one line: `queued N check-ins, M reminders, held back K`."""
        return (f"queued {self.checkins} check-ins, {self.reminders} reminders, "
                f"held back {self.held_back}")


# --- the pause switch -------------------------------------------------------------------

def schedule() -> CheckInSchedule:
    """The switch's one row (created on first use)."""
    row = db.session.get(CheckInSchedule, 1)
    if row is None:
        row = CheckInSchedule(id=1, paused=False)
        db.session.add(row)
        db.session.flush()
    return row


def is_paused() -> bool:
    """True while marketers have paused check-ins (send-due then queues nothing)."""
    row = db.session.get(CheckInSchedule, 1)
    return bool(row and row.paused)


def set_paused(paused: bool, user=None, now: datetime | None = None) -> CheckInSchedule:
    """Pause or resume every check-in and reminder."""
    row = schedule()
    row.paused = bool(paused)
    row.changed_at = now or utcnow()
    row.changed_by_id = user.id if user is not None else None
    db.session.flush()
    return row


# --- who is due -------------------------------------------------------------------------

def _people():
    """Customer columns with the account's, for the mail (language, name)."""
    c, u = Customer.__table__, User.__table__
    return (select(c.c.id, c.c.email, c.c.name, c.c.language,
                   u.c.language.label("user_language"), u.c.name.label("user_name"))
            .select_from(c).outerjoin(u, u.c.customer_id == c.c.id))


def _not_unsubscribed():
    c, uns = Customer.__table__, Unsubscribe.__table__
    return ~exists().where(uns.c.email == c.c.email, uns.c.unsubscribed_at.is_not(None))


def due_conditions(now: datetime) -> list:
    """SQL conditions on customers: an active ambassador due for this quarter's check-in."""
    c, ci = Customer.__table__, CheckIn.__table__
    cutoff = now - INTERVAL
    return [c.c.status == "active", c.c.latest_response_at <= cutoff,
            ~exists().where(ci.c.customer_id == c.c.id,
                            or_(ci.c.quarter == quarter_of(now), ci.c.last_mail_at > cutoff)),
            _not_unsubscribed()]


def reminder_conditions(now: datetime) -> list:
    """SQL conditions on check-ins joined to customers: an unanswered one 7 days old."""
    c, ci = Customer.__table__, CheckIn.__table__
    return [ci.c.answered_at.is_(None), ci.c.reminded_at.is_(None),
            ci.c.sent_at <= now - REMINDER_AFTER,
            ci.c.sent_at > now - timedelta(days=LINK_DAYS),
            c.c.status == "active", c.c.latest_response_at <= ci.c.sent_at,
            _not_unsubscribed()]


def count_due(now: datetime | None = None) -> int:
    """How many people are due for a check-in now."""
    now = now or utcnow()
    return db.session.scalar(select(func.count()).select_from(Customer.__table__)
                             .where(*due_conditions(now))) or 0


def count_reminders_due(now: datetime | None = None) -> int:
    """How many check-ins are due for their reminder now."""
    now = now or utcnow()
    c, ci = Customer.__table__, CheckIn.__table__
    joined = ci.join(c, c.c.id == ci.c.customer_id)
    return db.session.scalar(select(func.count()).select_from(joined)
                             .where(*reminder_conditions(now))) or 0


# --- sending ----------------------------------------------------------------------------

def send_due(now: datetime | None = None, chunk: int = CHUNK) -> Iterator[RoundResult]:
    """Queue the due check-ins, then the due reminders; yield each chunk's result.

    Flushes only: the caller commits after each chunk (a chunk's claims and its mail
    commit together, so a crash loses nothing and sends nothing twice). Nothing is
    queued while check-ins are paused.
    """
    now = now or utcnow()
    if is_paused():
        yield RoundResult(paused=True)
        return
    renderer = Renderer()
    last_id = 0
    while True:
        rows = db.session.execute(_people().where(Customer.__table__.c.id > last_id,
                                                  *due_conditions(now))
                                  .order_by(Customer.__table__.c.id).limit(chunk)).all()
        if not rows:
            break
        last_id = rows[-1].id
        yield _send_checkins(rows, now, renderer)
    last_id = 0
    while True:
        rows = _reminder_rows(now, last_id, chunk)
        if not rows:
            break
        last_id = rows[-1].checkin_id
        yield _send_reminders(rows, now, renderer)


def _insert_ignoring_duplicates(rows: list[dict]):
    table = CheckIn.__table__
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return db.session.execute(
        insert.on_conflict_do_nothing(index_elements=["customer_id", "quarter"])
        .returning(table.c.id, table.c.customer_id), rows).all()


def _send_checkins(people, now: datetime, renderer: Renderer) -> RoundResult:
    table = CheckIn.__table__
    quarter = quarter_of(now)
    by_id = {p.id: p for p in people}
    claimed = _insert_ignoring_duplicates([
        {"customer_id": p.id, "quarter": quarter, "sent_at": now, "last_mail_at": now}
        for p in by_id.values()])
    granted = claim_contacts([by_id[row.customer_id].email for row in claimed], "checkin", now)
    refused = {row.id for row in claimed if by_id[row.customer_id].email.lower() not in granted}
    if refused:  # the budget holds them back: no claim, so the next run tries again
        db.session.execute(delete(table).where(table.c.id.in_(sorted(refused))))
    mails = [renderer.render(by_id[row.customer_id], row.id, now, reminder=False)
             for row in claimed if row.id not in refused]
    queue_rendered(mails)
    return RoundResult(checkins=len(mails), held_back=len(refused))


def _reminder_rows(now: datetime, after_id: int, chunk: int):
    c, ci = Customer.__table__, CheckIn.__table__
    return db.session.execute(
        _people().add_columns(ci.c.id.label("checkin_id"), ci.c.sent_at)
        .join(ci, ci.c.customer_id == c.c.id)
        .where(ci.c.id > after_id, *reminder_conditions(now))
        .order_by(ci.c.id).limit(chunk)).all()


def _send_reminders(rows, now: datetime, renderer: Renderer) -> RoundResult:
    table = CheckIn.__table__
    by_checkin = {r.checkin_id: r for r in rows}
    claimed = db.session.execute(
        update(table).where(table.c.id.in_(list(by_checkin)), table.c.reminded_at.is_(None),
                            table.c.answered_at.is_(None))
        .values(reminded_at=now, last_mail_at=now).returning(table.c.id)
        .execution_options(synchronize_session=False)).scalars().all()
    granted = claim_contacts([by_checkin[i].email for i in claimed], "checkin_reminder", now)
    refused = {i for i in claimed if by_checkin[i].email.lower() not in granted}
    for checkin_id in refused:  # held back: unclaimed again, a later run retries
        db.session.execute(update(table).where(table.c.id == checkin_id)
                           .values(reminded_at=None, last_mail_at=by_checkin[checkin_id].sent_at)
                           .execution_options(synchronize_session=False))
    mails = [renderer.render(by_checkin[i], i, now, reminder=True)
             for i in claimed if i not in refused]
    queue_rendered(mails)
    return RoundResult(reminders=len(mails), held_back=len(refused))
