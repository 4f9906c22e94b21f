"""Marketer pages for closing the loop: follow-up tasks and the weekly digest opt-in."""

import math

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from ambassador.auth.access import staff
from ambassador.checkins import digest, followup_actions, followup_privacy, followups  # noqa: F401
from ambassador.checkins.followup_actions import REASON_LABELS, STATUS_LABELS
from ambassador.checkins.followup_forms import DigestForm, NoteForm, ReplyForm, TaskForm
from ambassador.extensions import db
from ambassador.nps import scores
from ambassador.nps.actions import register_account_column
from ambassador.nps.forms import parse_page
from ambassador.utils import ServiceError

bp = Blueprint("followups", __name__)


@bp.record_once
def _register(state) -> None:
    followups.subscribe()
    register_account_column(state.app, _l("Open follow-ups"), "checkins/_account_tasks.html",
                            followups.open_tasks_by_company)


@bp.app_template_filter("task_status_label")
def task_status_label(status: str) -> str:
    """open, contacted, resolved in the reader's language."""
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_filter("task_reason_label")
def task_reason_label(reason: str) -> str:
    """Why a task was opened, in the reader's language."""
    return str(REASON_LABELS.get(reason, reason))


@bp.route("/dashboard/follow-ups")
@staff
def index():
    """The follow-up tasks, with filters: status, owner, reason, company, search."""
    filters = followup_actions.parse_filters(request.args)
    page = parse_page(request.args.get("page"))
    tasks, total = followup_actions.list_tasks(filters, current_user, page)
    return render_template(
        "checkins/follow_ups.html", tasks=tasks, total=total, filters=filters, page=page,
        pages=max(1, math.ceil(total / followup_actions.PER_PAGE)),
        counts=followup_actions.status_counts(), owners=followup_actions.staff_users(),
        companies=scores.companies(), reasons=REASON_LABELS)


def _task_form(task, formdata=None) -> TaskForm:
    form = TaskForm(formdata=formdata, owner=str(task.owner_id or ""), status=task.status)
    form.owner.choices = [SelectChoice("", _("Nobody yet"))] + [
        SelectChoice(str(user.id), user.display_name) for user in followup_actions.staff_users()]
    return form


def _detail(task, status: int = 200, **forms):
    return render_template(
        "checkins/follow_up.html", task=task, history=followup_actions.history(task),
        timeline=followup_actions.timeline(task), others=followup_actions.other_tasks(task),
        task_form=forms.get("task_form") or _task_form(task),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        reply_form=forms.get("reply_form") or ReplyForm(formdata=None)), status


@bp.route("/dashboard/follow-ups/<int:task_id>")
@staff
def detail(task_id: int):
    """One task: the person, their answers and comments, the timeline and the actions."""
    return _detail(followup_actions.get_task(task_id))


@bp.route("/dashboard/follow-ups/<int:task_id>/update", methods=["POST"])
@staff
def update(task_id: int):
    """Change the owner and the status of a task."""
    task = followup_actions.get_task(task_id)
    form = _task_form(task, request.form)
    if not form.validate_on_submit():
        return _detail(task, 400, task_form=form)
    raw = form.owner.data or ""
    try:
        owner_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        if raw and owner_id is None:
            raise followup_actions.TaskRefused(_("Choose a marketer or an admin as the owner."))
        changed = followup_actions.set_owner(current_user, task, owner_id)
        changed = followup_actions.set_status(current_user, task, form.status.data) or changed
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _detail(followup_actions.get_task(task_id), exc.status_code)
    db.session.commit()
    if changed:
        flash(_("The task is saved."), "success")
    return redirect(url_for("followups.detail", task_id=task_id), code=303)


@bp.route("/dashboard/follow-ups/<int:task_id>/note", methods=["POST"])
@staff
def add_note(task_id: int):
    """Add an internal note to a task."""
    task = followup_actions.get_task(task_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(task, 400, note_form=form)
    try:
        followup_actions.add_note(current_user, task, form.body.data)
    except ServiceError as exc:
        db.session.rollback()
        form.body.errors = [str(exc)]
        return _detail(followup_actions.get_task(task_id), exc.status_code, note_form=form)
    db.session.commit()
    flash(_("Your note is added."), "success")
    return redirect(url_for("followups.detail", task_id=task_id), code=303)


@bp.route("/dashboard/follow-ups/<int:task_id>/reply", methods=["POST"])
@staff
def reply(task_id: int):
    """Mail the person "we changed this because of you" and record it on the task."""
    task = followup_actions.get_task(task_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _detail(task, 400, reply_form=form)
    try:
        followup_actions.send_reply(current_user, task, form.body.data)
    except ServiceError as exc:
        db.session.rollback()
        form.body.errors = [str(exc)]
        return _detail(followup_actions.get_task(task_id), exc.status_code, reply_form=form)
    db.session.commit()
    flash(_("Your reply is on its way to %(email)s.", email=task.customer.email), "success")
    return redirect(url_for("followups.detail", task_id=task_id), code=303)


@bp.route("/dashboard/follow-ups/digest", methods=["GET", "POST"])
@staff
def digest_settings():
    """Opt in to (or out of) the weekly digest mail, and see what it holds."""
    form = DigestForm(weekly_digest=digest.is_subscribed(current_user))
    if request.method == "POST":
        form = DigestForm()
        if not form.validate_on_submit():
            return render_template("checkins/digest.html", form=form), 400
        digest.set_subscribed(current_user, form.weekly_digest.data)
        db.session.commit()
        flash(_("You will get the weekly digest every Monday.") if form.weekly_digest.data
              else _("You will not get the weekly digest."), "success")
        return redirect(url_for("followups.digest_settings"), code=303)
    return render_template("checkins/digest.html", form=form)
