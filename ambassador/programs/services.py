"""Programs: creating, editing, opening and closing them, and who may see which.

Seats are handed out in `enrollment.py`; this module keeps the rules about a program
itself (its dates, its seats, its status) and the lists each kind of visitor sees.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ambassador.extensions import db
from ambassador.programs.enrollment import fill_from_waiting_list
from ambassador.programs.models import KINDS, STATUSES, Enrollment, Program, ProgramCover
from ambassador.programs.rules import (
    ProgramError,
    enrollment_of,
    joinable_clause,
    zone,
)
from ambassador.utils import NotFound, utcnow

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_SEATS = 100_000
MAX_PLACE = 255
MAX_URL = 500


@dataclass
class ProgramFields:
    """What a marketer enters for a program, times already in UTC."""

    title: str
    description: str = ""
    kind: str = "early_access"
    status: str = "draft"
    seats: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: str = "UTC"
    place: str = ""
    video_url: str = ""


def _check(fields: ProgramFields) -> ProgramFields:
    """Validate and tidy the fields; raise ProgramError with the first problem found."""
    fields.title = " ".join((fields.title or "").split())
    fields.description = (fields.description or "").strip()
    fields.place = " ".join((fields.place or "").split())
    fields.video_url = (fields.video_url or "").strip()
    if not fields.title:
        raise ProgramError(_("Give the program a title."))
    if len(fields.title) > MAX_TITLE:
        raise ProgramError(_("A title has at most %(n)d characters.", n=MAX_TITLE))
    if len(fields.description) > MAX_DESCRIPTION:
        raise ProgramError(_("A description has at most %(n)d characters.", n=MAX_DESCRIPTION))
    if fields.kind not in KINDS:
        raise ProgramError(_("Choose early access or event."))
    if fields.status not in STATUSES:
        raise ProgramError(_("Choose draft, open or closed."))
    if fields.seats is not None and not 1 <= fields.seats <= MAX_SEATS:
        raise ProgramError(_("Seats must be a whole number from 1 to %(max)d, or empty for "
                             "no limit.", max=MAX_SEATS))
    zone(fields.timezone)
    if fields.opens_at and fields.closes_at and fields.closes_at <= fields.opens_at:
        raise ProgramError(_("The program must close after it opens."))
    if fields.kind == "event":
        if not fields.starts_at or not fields.ends_at:
            raise ProgramError(_("An event needs a start and an end."))
        if fields.ends_at <= fields.starts_at:
            raise ProgramError(_("The event must end after it starts."))
        if not fields.place and not fields.video_url:
            raise ProgramError(_("Say where the event takes place: a place or a video link."))
    else:
        fields.starts_at = fields.ends_at = None
    if len(fields.place) > MAX_PLACE:
        raise ProgramError(_("A place has at most %(n)d characters.", n=MAX_PLACE))
    if fields.video_url:
        parts = urlsplit(fields.video_url)
        if (parts.scheme not in ("http", "https") or not parts.netloc
                or len(fields.video_url) > MAX_URL or any(c.isspace() for c in fields.video_url)):
            raise ProgramError(_("The video link must be a web address starting with https://."))
    return fields


def create_program(fields: ProgramFields, now: datetime | None = None) -> Program:
    """Create a program from checked fields (flush, no commit)."""
    fields = _check(fields)
    program = Program(**vars(fields))
    if program.status == "open":
        program.published_at = now or utcnow()
    db.session.add(program)
    db.session.flush()
    return program


def update_program(program: Program, fields: ProgramFields,
                   now: datetime | None = None) -> Program:
    """Apply a marketer's edit; seats never drop below the seats already taken."""
    fields = _check(fields)
    if fields.seats is not None:
        # The seat count and the check are one statement: a join racing this edit
        # either counts before it (and is refused here) or after it (and sees the new limit).
        changed = db.session.execute(
            update(Program).where(Program.id == program.id, Program.taken <= fields.seats)
            .values(seats=fields.seats).execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            db.session.refresh(program)
            raise ProgramError(_(
                "%(taken)d people already hold a seat: seats cannot go below %(taken)d "
                "(you asked for %(seats)d).", taken=program.taken, seats=fields.seats))
    db.session.refresh(program)
    values = vars(fields)
    for name, value in values.items():
        setattr(program, name, value)
    if program.status == "open" and program.published_at is None:
        program.published_at = now or utcnow()
    db.session.flush()
    fill_from_waiting_list(program.id, now=now)
    return program


def set_status(program: Program, status: str, now: datetime | None = None) -> Program:
    """Open or close a program (closing keeps its enrollments and feedback)."""
    if status not in STATUSES:
        raise ProgramError(_("Choose draft, open or closed."))
    program.status = status
    if status == "open" and program.published_at is None:
        program.published_at = now or utcnow()
    db.session.flush()
    if status == "open":
        fill_from_waiting_list(program.id, now=now)
    return program


def get_program(program_id: int) -> Program:
    """The program with this id, for marketers (any status), or NotFound."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound(_("This program does not exist."))
    return program


def cover_of(program_id: int) -> ProgramCover | None:
    """The stored cover image of a program, if it has one."""
    return db.session.get(ProgramCover, program_id)


def visible_program(program_id: int, user) -> Program:
    """A program as a promoter may see it: open ones, and those they are in; else NotFound."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise NotFound(_("This program does not exist."))
    if user.is_staff or program.status == "open":
        return program
    if program.status == "closed" and enrollment_of(program.id, user) is not None:
        return program
    raise NotFound(_("This program does not exist."))


def programs_for(user, now: datetime | None = None) -> tuple[list[Program], list[Program]]:
    """(open programs this person has not joined, programs they are in) for /programs."""
    now = now or utcnow()
    mine_ids = select(Enrollment.program_id).where(Enrollment.user_id == user.id)
    open_now = db.session.scalars(
        select(Program).where(joinable_clause(now), Program.id.not_in(mine_ids))
        .order_by(func.coalesce(Program.starts_at, Program.closes_at, Program.created_at),
                  Program.id)
    ).all()
    mine = db.session.scalars(
        select(Program).where(Program.id.in_(mine_ids), Program.status != "draft")
        .order_by(Program.status.desc(), Program.starts_at, Program.id)
    ).all()
    return list(open_now), list(mine)


def enrollments_by_program(user) -> dict[int, Enrollment]:
    """This person's enrollments, by program id."""
    rows = db.session.scalars(select(Enrollment).where(Enrollment.user_id == user.id))
    return {enrollment.program_id: enrollment for enrollment in rows}


def new_since(user, since: datetime | None, now: datetime | None = None) -> list[Program]:
    """Joinable programs this person has not joined, published after `since` (all if None)."""
    open_now, _mine = programs_for(user, now)
    if since is None:
        return open_now
    return [p for p in open_now if p.published_at and p.published_at > since]


def all_programs() -> list[Program]:
    """Every program for the marketers' list: open first, then drafts, then closed."""
    order = {"open": 0, "draft": 1, "closed": 2}
    programs = db.session.scalars(select(Program).order_by(Program.created_at.desc())).all()
    return sorted(programs, key=lambda p: order.get(p.status, 3))


def counts(program_id: int) -> dict[str, int]:
    """How many are enrolled and waiting in one program."""
    rows = db.session.execute(
        select(Enrollment.status, func.count()).where(Enrollment.program_id == program_id)
        .group_by(Enrollment.status)).all()
    found = dict(rows)
    return {"enrolled": found.get("enrolled", 0), "waiting": found.get("waiting", 0)}
