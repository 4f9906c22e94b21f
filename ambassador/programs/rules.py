"""The rules every part of programs shares: its errors, time zones, when joining is open."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ambassador.extensions import db
from ambassador.programs.models import Enrollment, Program
from ambassador.utils import ServiceError, utcnow


class ProgramError(ServiceError):
    """A program's details break a rule; the message says which."""


class NotAllowed(ServiceError):
    """This person may not do this (a lapsed ambassador joining, a marketer joining)."""

    status_code = 403


class ProgramUnavailable(ServiceError):
    """The program is not open for joining right now (draft, closed, not yet, too late)."""

    status_code = 409


def time_zones() -> list[str]:
    """Every IANA time zone name, sorted (the choices of the event form)."""
    return sorted(available_timezones() - {"localtime"})


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a name, or ProgramError when it names no time zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ProgramError(_("“%(name)s” is not a time zone.", name=str(name)[:64])) from exc


def is_joinable(program: Program, now: datetime | None = None) -> bool:
    """Open, within its window, and (for an event) not started yet."""
    now = now or utcnow()
    return (program.status == "open"
            and (program.opens_at is None or program.opens_at <= now)
            and (program.closes_at is None or now < program.closes_at)
            and (program.starts_at is None or now < program.starts_at))


def joinable_clause(now: datetime):
    """The same rule as is_joinable, as SQL (for lists and counts)."""
    return (
        (Program.status == "open")
        & or_(Program.opens_at.is_(None), Program.opens_at <= now)
        & or_(Program.closes_at.is_(None), Program.closes_at > now)
        & or_(Program.starts_at.is_(None), Program.starts_at > now)
    )


def enrollment_of(program_id: int, user) -> Enrollment | None:
    """This person's seat or place in line in a program, if any."""
    return db.session.scalar(select(Enrollment).where(
        Enrollment.program_id == program_id, Enrollment.user_id == user.id))
