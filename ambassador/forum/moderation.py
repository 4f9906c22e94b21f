"""What marketers do to keep the forum good: categories, pin, lock, move, hide, reports.

Every action lands in the audit trail (who, when, what, before and after) in the same
transaction as the change.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ambassador.audit import record_action
from ambassador.extensions import db
from ambassador.forum.models import IDEA_STATUSES, KINDS, Category, Post, Report, Thread
from ambassador.forum.services import Forbidden, ForumError, is_staff
from ambassador.utils import NotFound, utcnow

MAX_NAME, MAX_DESCRIPTION = 80, 500
THREAD_FLAGS = ("pinned", "locked", "hidden")
RESOLUTIONS = ("dismissed", "hidden")


def check_staff(user) -> None:
    """Raise Forbidden unless a marketer or an admin is acting."""
    if not is_staff(user):
        raise Forbidden(_("Only marketers moderate the forum."))


def _category_fields(name, description, kind, staff_only, on_home, program_id) -> dict:
    name = " ".join((name or "").split())
    if not name:
        raise ForumError(_("A category needs a name."))
    if len(name) > MAX_NAME:
        raise ForumError(_("A category name has at most %(n)d characters.", n=MAX_NAME))
    description = " ".join((description or "").split())
    if len(description) > MAX_DESCRIPTION:
        raise ForumError(_("A description has at most %(n)d characters.", n=MAX_DESCRIPTION))
    if kind not in KINDS:
        raise ForumError(_("Choose discussion or ideas."))
    return {"name": name, "description": description, "kind": kind,
            "staff_only": bool(staff_only), "on_home": bool(on_home),
            "program_id": program_id or None}


def _snapshot(obj, fields) -> dict:
    return {field: getattr(obj, field) for field in fields}


def save_category(actor, category: Category | None, name: str, description: str = "",
                  kind: str = "discussion", staff_only: bool = False, on_home: bool = False,
                  program_id: int | None = None) -> Category:
    """Create a category (at the end of the list) or change one."""
    check_staff(actor)
    fields = _category_fields(name, description, kind, staff_only, on_home, program_id)
    if category is None:
        last = db.session.scalar(select(func.max(Category.position))) or 0
        category = Category(position=last + 1, **fields)
        db.session.add(category)
        db.session.flush()
        record_action(actor, "forum.category_created", category, after=fields)
        return category
    before = _snapshot(category, fields)
    if category.kind != fields["kind"] and db.session.scalar(
            select(func.count()).select_from(Thread).where(Thread.category_id == category.id)):
        raise ForumError(_("A category with threads keeps its kind."))
    for field, value in fields.items():
        setattr(category, field, value)
    db.session.flush()
    record_action(actor, "forum.category_changed", category, before=before, after=fields)
    return category


def move_category(actor, category: Category, step: int) -> None:
    """Move a category one place up (-1) or down (+1) in the list everyone sees."""
    check_staff(actor)
    ordered = list(db.session.scalars(select(Category).order_by(Category.position,
                                                                Category.id)))
    index = ordered.index(category)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    db.session.flush()
    record_action(actor, "forum.category_moved", category,
                  before={"position": index + 1}, after={"position": target + 1})


def set_thread_flag(actor, thread: Thread, flag: str, value: bool) -> Thread:
    """Pin, lock or hide a thread (or undo it)."""
    check_staff(actor)
    if flag not in THREAD_FLAGS:
        raise ForumError(_("Unknown moderation action."))
    before = getattr(thread, flag)
    setattr(thread, flag, bool(value))
    db.session.flush()
    verb = {"pinned": "pinned", "locked": "locked", "hidden": "hidden"}[flag]
    action = f"forum.thread_{verb}" if value else f"forum.thread_un{verb}"
    record_action(actor, action, thread, before={flag: before}, after={flag: bool(value)})
    return thread


def move_thread(actor, thread: Thread, category: Category) -> Thread:
    """Move a thread to another category (ideas keep their votes only among ideas)."""
    check_staff(actor)
    if category.id == thread.category_id:
        return thread
    old = thread.category
    thread.category_id = category.id
    thread.category = category
    if category.is_ideas and thread.idea_status is None:
        thread.idea_status = "under_review"
    db.session.flush()
    record_action(actor, "forum.thread_moved", thread,
                  before={"category_id": old.id, "category": old.name},
                  after={"category_id": category.id, "category": category.name})
    return thread


def set_idea_status(actor, thread: Thread, status: str) -> Thread:
    """Say where an idea stands: under review, planned, shipped or declined."""
    check_staff(actor)
    if not thread.category.is_ideas:
        raise ForumError(_("Only ideas have a status."))
    if status not in IDEA_STATUSES:
        raise ForumError(_("Choose under review, planned, shipped or declined."))
    before = thread.idea_status
    thread.idea_status = status
    db.session.flush()
    record_action(actor, "forum.idea_status", thread, before={"idea_status": before},
                  after={"idea_status": status})
    return thread


def set_post_hidden(actor, post: Post, hidden: bool) -> Post:
    """Hide a post from everyone but the staff (or show it again)."""
    check_staff(actor)
    before = post.hidden
    post.hidden = bool(hidden)
    db.session.flush()
    record_action(actor, "forum.post_hidden" if hidden else "forum.post_unhidden", post,
                  before={"hidden": before}, after={"hidden": bool(hidden)})
    return post


def open_reports(limit: int = 100) -> list[Report]:
    """The reports nobody has resolved yet, oldest first."""
    return list(db.session.scalars(
        select(Report).where(Report.resolved_at.is_(None))
        .order_by(Report.created_at, Report.id).limit(limit)))


def count_open_reports() -> int:
    """How many reports wait for a moderator."""
    return db.session.scalar(select(func.count()).select_from(Report)
                             .where(Report.resolved_at.is_(None))) or 0


def resolve_report(actor, report_id: int, resolution: str) -> Report:
    """Close a report: dismiss it, or hide the post (every open report on it closes too)."""
    check_staff(actor)
    if resolution not in RESOLUTIONS:
        raise ForumError(_("Choose to dismiss the report or to hide the post."))
    report = db.session.get(Report, report_id)
    if report is None:
        raise NotFound(_("This report does not exist."))
    if report.resolved_at is not None:
        return report
    if resolution == "hidden" and not report.post.hidden:
        set_post_hidden(actor, report.post, True)
    now = utcnow()
    scope = Report.post_id == report.post_id if resolution == "hidden" else \
        Report.id == report.id
    db.session.execute(update(Report).where(scope, Report.resolved_at.is_(None)).values(
        resolved_at=now, resolved_by_id=actor.id, resolution=resolution))
    db.session.refresh(report)
    record_action(actor, "forum.report_resolved", report,
                  before={"resolved": False}, after={"resolution": resolution,
                                                     "post_id": report.post_id})
    return report
