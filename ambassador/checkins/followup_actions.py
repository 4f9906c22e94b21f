"""What marketers do with follow-up tasks: find them, own them, note, reply, resolve.

Every change is recorded with `record_action` and, for notes, replies, owner and status
changes, as a line of the task's timeline. The "we changed this because of you" reply is
a transactional mail (an answer to what the person told us, outside the contact budget)
in the person's language.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ambassador.audit.services import record_action
from ambassador.auth.models import STAFF_ROLES, User
from ambassador.checkins import webhooks
from ambassador.checkins.followup_models import (
    TASK_REASONS,
    TASK_STATUSES,
    FollowUp,
    FollowUpEvent,
)
from ambassador.extensions import db
from ambassador.i18n import recipient_language
from ambassador.mail.services import queue_mail
from ambassador.nps.models import Customer, Response
from ambassador.utils import NotFound, ServiceError, utcnow

PER_PAGE = 50
HISTORY = 50
MAX_NOTE = 5000
MAX_REPLY = 5000
STATUS_LABELS = {"open": _l("open"), "contacted": _l("contacted"), "resolved": _l("resolved")}
REASON_LABELS = {"detractor": _l("unhappy answer (0-6)"), "lapsed": _l("lapsed ambassador")}
SHOW_CHOICES = ("active", "open", "contacted", "resolved", "all")
REPLY_SUBJECT = _l("We changed something because of you")


class TaskRefused(ServiceError):
    """A change to a task that the rules do not allow."""


@dataclass(frozen=True)
class TaskFilters:
    """What the list shows: which statuses, whose tasks, why, which company, a search."""

    show: str = "active"  # open and contacted
    owner: str = ""  # "" anyone, "me", "none", or a user id
    reason: str = ""
    company: str = ""
    q: str = ""


def parse_filters(args) -> TaskFilters:
    """Filters from a query string; unknown values fall back to the defaults."""
    show = args.get("show", "active")
    owner = (args.get("owner") or "").strip()
    if owner not in ("", "me", "none") and not (owner.isascii() and owner.isdigit()
                                                 and len(owner) < 10):
        owner = ""
    reason = args.get("reason", "")
    return TaskFilters(show=show if show in SHOW_CHOICES else "active", owner=owner,
                       reason=reason if reason in TASK_REASONS else "",
                       company=(args.get("company") or "").strip()[:255],
                       q=(args.get("q") or "").strip()[:254])


def _filtered(filters: TaskFilters, me):
    query = select(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
    if filters.show == "active":
        query = query.where(FollowUp.status.in_(("open", "contacted")))
    elif filters.show != "all":
        query = query.where(FollowUp.status == filters.show)
    if filters.owner == "me":
        query = query.where(FollowUp.owner_id == me.id)
    elif filters.owner == "none":
        query = query.where(FollowUp.owner_id.is_(None))
    elif filters.owner:
        query = query.where(FollowUp.owner_id == int(filters.owner))
    if filters.reason:
        query = query.where(FollowUp.reason == filters.reason)
    if filters.company:
        query = query.where(Customer.company == filters.company)
    if filters.q:
        like = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Customer.email).like(like, escape="\\"),
                                func.lower(Customer.name).like(like, escape="\\")))
    return query


def list_tasks(filters: TaskFilters, me, page: int = 1) -> tuple[list[FollowUp], int]:
    """One page of matching tasks, oldest open first (the longest waiting); and the total."""
    query = _filtered(filters, me)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(FollowUp.status != "open", FollowUp.last_triggered_at, FollowUp.id)
        .limit(PER_PAGE).offset((max(page, 1) - 1) * PER_PAGE)).unique()
    return list(rows), total


def status_counts() -> dict[str, int]:
    """How many tasks are in each status."""
    found = dict(db.session.execute(
        select(FollowUp.status, func.count()).group_by(FollowUp.status)).all())
    return {status: found.get(status, 0) for status in TASK_STATUSES}


def get_task(task_id: int) -> FollowUp:
    """The task, or NotFound."""
    task = db.session.get(FollowUp, task_id)
    if task is None:
        raise NotFound(_("This follow-up task does not exist."))
    return task


def history(task: FollowUp, limit: int = HISTORY) -> list[Response]:
    """The person's answers, newest first: their score history and comments."""
    return list(db.session.scalars(
        select(Response).where(Response.customer_id == task.customer_id)
        .order_by(Response.responded_at.desc(), Response.id.desc()).limit(limit)))


def timeline(task: FollowUp) -> list[FollowUpEvent]:
    """Notes, replies and changes of the task, oldest first."""
    return list(db.session.scalars(
        select(FollowUpEvent).where(FollowUpEvent.follow_up_id == task.id)
        .order_by(FollowUpEvent.id)))


def other_tasks(task: FollowUp) -> list[FollowUp]:
    """The person's earlier (or later) tasks."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.customer_id == task.customer_id, FollowUp.id != task.id)
        .order_by(FollowUp.id.desc())).unique())


def staff_users() -> list[User]:
    """Who can own a task: marketers and admins who can log in."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES), User.disabled.is_(False))
        .order_by(User.name, User.email)).unique())


def _event(task: FollowUp, actor, kind: str, body: str = "") -> FollowUpEvent:
    event = FollowUpEvent(follow_up_id=task.id, kind=kind, body=body,
                          actor_id=getattr(actor, "id", None))
    db.session.add(event)
    task.updated_at = utcnow()
    return event


def set_owner(actor, task: FollowUp, owner_id: int | None) -> bool:
    """Give the task to a staff user (None: nobody); True when it changed."""
    if owner_id == task.owner_id:
        return False
    owner = None
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.is_staff or owner.disabled:
            raise TaskRefused(_("Choose a marketer or an admin as the owner."))
    before = task.owner.email if task.owner else None
    task.owner_id, task.owner = owner_id, owner
    _event(task, actor, "owner", owner.display_name if owner else "")
    record_action(actor, "follow_up.owner_changed", task, before={"owner": before},
                  after={"owner": owner.email if owner else None})
    db.session.flush()
    return True


def set_status(actor, task: FollowUp, status: str) -> bool:
    """Move the task to open, contacted or resolved; True when it changed.

    Resolving frees the person's "one open task" slot; reopening takes it again, and is
    refused when a newer task is already open for them.
    """
    if status not in TASK_STATUSES:
        raise TaskRefused(_("Choose open, contacted or resolved."))
    if status == task.status:
        return False
    before = task.status
    now = utcnow()
    if status == "resolved":
        task.open_customer_id, task.resolved_at = None, now
    elif before == "resolved":
        newer = db.session.scalar(select(FollowUp.id).where(
            FollowUp.open_customer_id == task.customer_id))
        if newer is not None:
            raise TaskRefused(_("This person already has another open task: carry on there."))
        task.open_customer_id, task.resolved_at = task.customer_id, None
    task.status = status
    _event(task, actor, "status", status)
    record_action(actor, "follow_up.status_changed", task, before={"status": before},
                  after={"status": status})
    db.session.flush()
    if status == "resolved":
        webhooks.announce_tasks("task.resolved", [task.id])
    return True


def _text(body: str, limit: int, empty: str) -> str:
    body = (body or "").strip()
    if not body:
        raise TaskRefused(empty)
    if len(body) > limit:
        raise TaskRefused(_("Keep it under %(limit)s characters.", limit=f"{limit:,}"))
    return body


def add_note(actor, task: FollowUp, body: str) -> FollowUpEvent:
    """Add an internal note to the task (never shown to the person)."""
    body = _text(body, MAX_NOTE, _("Write the note first."))
    event = _event(task, actor, "note", body)
    record_action(actor, "follow_up.noted", task)
    db.session.flush()
    return event


def send_reply(actor, task: FollowUp, body: str) -> FollowUpEvent:
    """Mail the person what we changed because of them, record it, mark the task contacted."""
    body = _text(body, MAX_REPLY, _("Write what you changed first."))
    customer = task.customer
    user = db.session.scalar(select(User).where(User.customer_id == customer.id))
    # The mail invites an answer: it goes to the marketer who wrote, not to the sender.
    reply_to = actor.email if actor.email and actor.email.isascii() else None
    queue_mail(customer.email, "follow_up_reply", REPLY_SUBJECT,
               locale=recipient_language(user, customer),
               headers={"Reply-To": reply_to} if reply_to else None,
               name=(user.name if user is not None and user.name else customer.name) or "",
               body=body, sender=actor.display_name)
    event = _event(task, actor, "reply", body)
    record_action(actor, "follow_up.replied", task, after={"to": customer.email})
    if task.status == "open":
        task.status = "contacted"
        _event(task, actor, "status", "contacted")
    if task.owner_id is None:
        task.owner_id, task.owner = actor.id, actor
    db.session.flush()
    return event
