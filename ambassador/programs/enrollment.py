"""Joining and leaving programs: seats that are never over-booked, and the waiting list.

A seat is taken by one conditional UPDATE (`taken = taken + 1 WHERE taken < seats`)
whose row count decides, and each person has at most one row per program (a unique
constraint), so neither a crowd pressing "Join" at once nor a double click can hand
out more seats than there are, on PostgreSQL as on SQLite. `taken` always equals the
number of enrolled rows: every change to one goes with the matching change to the other
in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from ambassador.extensions import db
from ambassador.programs.mailing import queue_in_language
from ambassador.programs.models import Enrollment, Program
from ambassador.programs.rules import (
    NotAllowed,
    ProgramUnavailable,
    enrollment_of,
    is_joinable,
)
from ambassador.urls import absolute_url
from ambassador.utils import NotFound, utcnow


class ProgramFull(ProgramUnavailable):
    """Every seat is taken; the person may join the waiting list instead."""


@dataclass
class JoinResult:
    """What a press on "Join" did: `outcome` is enrolled, waiting or already."""

    enrollment: Enrollment
    outcome: str


def ambassador_status(user) -> str:
    """The person's ambassador status: active, lapsed or none."""
    return user.customer.status if user.customer is not None else "none"


def check_may_join(user) -> None:
    """Only active ambassadors join programs; everyone else is told why (403)."""
    if user.role != "promoter":
        raise NotAllowed(_("Programs are for ambassadors: a marketer or an admin account "
                           "cannot join them. Nothing was recorded."))
    status = ambassador_status(user)
    if status == "lapsed":
        raise NotAllowed(_("Joining new programs is paused while your latest answer is below "
                           "9. It opens again as soon as you rate us 9 or 10. Nothing was "
                           "recorded."))
    if status != "active":
        raise NotAllowed(_("Programs are open to active ambassadors, whose latest answer is "
                           "a 9 or a 10. Nothing was recorded."))


def _take_seat(program_id: int) -> bool:
    """Take one seat if one is free (and the program open): the row count decides."""
    return db.session.execute(
        update(Program)
        .where(Program.id == program_id, Program.status == "open",
               or_(Program.seats.is_(None), Program.taken < Program.seats))
        .values(taken=Program.taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _free_seat(program_id: int) -> None:
    db.session.execute(
        update(Program).where(Program.id == program_id, Program.taken > 0)
        .values(taken=Program.taken - 1).execution_options(synchronize_session=False))


def join(program_id: int, user, *, waitlist: bool = False,
         now: datetime | None = None) -> JoinResult:
    """Give this person a seat, or a place in line when `waitlist` and the program is full.

    Pressing twice gives one enrollment: the second press returns the first one.
    """
    now = now or utcnow()
    check_may_join(user)
    program = db.session.get(Program, program_id)
    if program is None or program.status == "draft":
        raise NotFound(_("This program does not exist."))
    existing = enrollment_of(program_id, user)
    if existing is not None:
        return JoinResult(existing, "already")
    if not is_joinable(program, now):
        raise ProgramUnavailable(_("This program is not open for joining."))
    took = _take_seat(program_id)
    if not took and (existing := enrollment_of(program_id, user)) is not None:
        return JoinResult(existing, "already")  # their other click took the last seat
    if not took and not waitlist:
        raise ProgramFull(_("Every seat is taken. You can join the waiting list: when a seat "
                            "frees up, the first in line gets it and a mail."))
    enrollment = Enrollment(program_id=program_id, user_id=user.id, joined_at=now,
                            status="enrolled" if took else "waiting",
                            enrolled_at=now if took else None)
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
    except IntegrityError:  # the same person's other click got there first
        if took:
            _free_seat(program_id)
        return JoinResult(enrollment_of(program_id, user), "already")
    return JoinResult(enrollment, "enrolled" if took else "waiting")


def leave(program_id: int, user, now: datetime | None = None) -> bool:
    """Give up a seat or a place in line; a freed seat goes to the first in line."""
    table = Enrollment.__table__
    status = db.session.execute(
        delete(table)
        .where(table.c.program_id == program_id, table.c.user_id == user.id)
        .returning(table.c.status)
    ).scalar()
    if status is None:
        return False
    if status == "enrolled":
        _free_seat(program_id)
        fill_from_waiting_list(program_id, now=now)
    return True


def fill_from_waiting_list(program_id: int, now: datetime | None = None) -> list[Enrollment]:
    """Hand free seats to the people waiting, first come first served, each with a mail."""
    now = now or utcnow()
    promoted = []
    while True:
        candidate = db.session.scalar(
            select(Enrollment.id)
            .where(Enrollment.program_id == program_id, Enrollment.status == "waiting")
            .order_by(Enrollment.joined_at, Enrollment.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # SQLite: not rendered; the UPDATEs decide
        )
        if candidate is None or not _take_seat(program_id):
            break
        moved = db.session.execute(
            update(Enrollment).where(Enrollment.id == candidate, Enrollment.status == "waiting")
            .values(status="enrolled", enrolled_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:  # someone else promoted or removed them meanwhile
            _free_seat(program_id)
            continue
        enrollment = db.session.get(Enrollment, candidate, populate_existing=True)
        promoted.append(enrollment)
        _mail_seat_freed(enrollment)
    return promoted


def _mail_seat_freed(enrollment: Enrollment) -> None:
    program = enrollment.program
    queue_in_language(
        enrollment.user, "program_seat",
        lambda: _("A seat is yours: %(title)s", title=program.title),
        program=program, link=absolute_url("programs.show", program_id=program.id))


def enrolled_people(program_id: int, status: str | None = None) -> list[Enrollment]:
    """A program's enrollments (or only one status), in the order they joined."""
    query = select(Enrollment).where(Enrollment.program_id == program_id)
    if status:
        query = query.where(Enrollment.status == status)
    return list(db.session.scalars(query.order_by(Enrollment.joined_at, Enrollment.id)))


def place_in_line(enrollment: Enrollment) -> int:
    """1 for the first person waiting, 2 for the next …"""
    ahead = db.session.scalars(
        select(Enrollment.id).where(
            Enrollment.program_id == enrollment.program_id, Enrollment.status == "waiting",
            or_(Enrollment.joined_at < enrollment.joined_at,
                (Enrollment.joined_at == enrollment.joined_at)
                & (Enrollment.id < enrollment.id)))).all()
    return len(ahead) + 1
