"""Mail about programs: the reminder the day before an event, and marketers' messages.

Every message goes through the outbox in the caller's transaction, in each person's
language. A reminder is claimed by a conditional UPDATE on its enrollment
(`reminded_at IS NULL`), so running `programs remind` twice, or on two machines at
once, never reminds anyone twice.
"""

from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ambassador.extensions import db
from ambassador.programs.enrollment import enrolled_people
from ambassador.programs.mailing import queue_bulk_in_language
from ambassador.programs.models import Enrollment, Program
from ambassador.programs.rules import ProgramError
from ambassador.urls import absolute_url
from ambassador.utils import utcnow

REMINDER_HOUR = time(9, 0)  # reminders go out from 09:00 the day before, event's time
MAX_SUBJECT = 200
MAX_BODY = 10_000


def reminder_opens_at(program: Program) -> datetime:
    """09:00 on the day before the event, in the event's time zone."""
    tz = ZoneInfo(program.timezone)
    day_before = program.starts_at.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day_before, REMINDER_HOUR, tzinfo=tz)


def event_when(program: Program, locale=None) -> str:
    """"Tuesday 15 December 2026, 14:00 – 16:00 (Europe/Paris)" in the reader's language."""
    if not program.starts_at:
        return ""
    locale = locale or get_locale() or "en"
    tz = ZoneInfo(program.timezone)
    start, end = program.starts_at.astimezone(tz), program.ends_at.astimezone(tz)
    text = format_datetime(start, "EEEE d MMMM y, HH:mm", tzinfo=tz, locale=locale)
    if end.date() == start.date():
        text += " – " + format_time(end, "HH:mm", tzinfo=tz, locale=locale)
    else:
        text += " – " + format_datetime(end, "EEEE d MMMM y, HH:mm", tzinfo=tz, locale=locale)
    return f"{text} ({program.timezone})"


def remind_due(now: datetime | None = None) -> int:
    """Queue tomorrow's event reminders that are due and not yet sent; return how many."""
    now = now or utcnow()
    events = db.session.scalars(
        select(Program).where(Program.kind == "event", Program.status != "draft",
                              Program.starts_at > now,
                              Program.starts_at <= now + timedelta(days=2))
        .order_by(Program.starts_at, Program.id)).all()
    reminded = 0
    for program in events:
        if now < reminder_opens_at(program):
            continue
        pending = db.session.scalars(
            select(Enrollment.id).where(Enrollment.program_id == program.id,
                                        Enrollment.status == "enrolled",
                                        Enrollment.reminded_at.is_(None))
            .order_by(Enrollment.id)).all()
        for enrollment_id in pending:
            claimed = db.session.execute(
                update(Enrollment)
                .where(Enrollment.id == enrollment_id, Enrollment.reminded_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False)
            ).rowcount
            if not claimed:
                continue
            enrollment = db.session.get(Enrollment, enrollment_id)
            if not _queue_reminder(program, enrollment.user, now):
                # Held back by the contact budget: unclaimed, so a later run tries again.
                db.session.execute(
                    update(Enrollment).where(Enrollment.id == enrollment_id)
                    .values(reminded_at=None).execution_options(synchronize_session=False))
                continue
            reminded += 1
    return reminded


def _queue_reminder(program: Program, user, now) -> bool:
    def subject():
        return _("Tomorrow: %(title)s", title=program.title)

    return queue_bulk_in_language(
        user, "program_reminder", subject, now, program=program,
        when=lambda: event_when(program),
        link=absolute_url("programs.show", program_id=program.id),
        ics_link=absolute_url("programs.calendar", program_id=program.id))


class MessageResult(NamedTuple):
    """How many people a message was queued for, and how many the budget held back."""

    sent: int
    held_back: int


def message_enrollees(program: Program, subject: str, body: str,
                      include_waiting: bool = False) -> MessageResult:
    """Queue a marketer's message to everyone enrolled (and waiting) within their contact
    budget; unsubscribed people and those mailed in the last days are held back."""
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    if not subject:
        raise ProgramError(_("Give the message a subject."))
    if len(subject) > MAX_SUBJECT:
        raise ProgramError(_("A subject has at most %(n)d characters.", n=MAX_SUBJECT))
    if not body:
        raise ProgramError(_("Write the message."))
    if len(body) > MAX_BODY:
        raise ProgramError(_("A message has at most %(n)d characters.", n=MAX_BODY))
    people = enrolled_people(program.id, None if include_waiting else "enrolled")
    if not people:
        raise ProgramError(_("Nobody is enrolled yet: there is no one to write to."))
    link = absolute_url("programs.show", program_id=program.id)
    sent = 0
    for enrollment in people:
        sent += queue_bulk_in_language(enrollment.user, "program_message", lambda: subject,
                                       program=program, body=body, link=link)
    return MessageResult(sent, len(people) - sent)
