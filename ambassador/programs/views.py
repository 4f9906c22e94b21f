"""Promoter pages: the open programs, a program's page, joining, leaving, the calendar file."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ambassador.auth.access import any_user
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db
from ambassador.portal.home import register_home_section
from ambassador.programs import feedback, services
from ambassador.programs.enrollment import (
    ProgramFull,
    ambassador_status,
    check_may_join,
    join,
    leave,
    place_in_line,
)
from ambassador.programs.ics import event_calendar
from ambassador.programs.notices import event_when
from ambassador.programs.rules import NotAllowed, enrollment_of, is_joinable
from ambassador.urls import absolute_url
from ambassador.utils import ServiceError, utcnow

bp = Blueprint("programs", __name__, url_prefix="/programs")


def _home_section(user, since):
    """The programs block of the portal home: what is open to this person, what is new."""
    if user.role != "promoter":
        return None
    open_now, mine = services.programs_for(user)
    new = services.new_since(user, since)
    return {"open_now": open_now[:3], "open_count": len(open_now), "mine": mine[:3],
            "new": len(new), "new_ids": {p.id for p in new},
            "status": ambassador_status(user)}


@bp.record_once
def _register(state) -> None:
    register_home_section(state.app, "programs", "programs/_home_section.html",
                          _home_section, order=10)
    state.app.jinja_env.filters["event_when"] = event_when


@bp.route("")
@any_user
def index():
    open_now, mine = services.programs_for(current_user)
    return render_template("programs/index.html", open_now=open_now, mine=mine,
                           enrollments=services.enrollments_by_program(current_user),
                           status=ambassador_status(current_user))


@bp.route("/<int:program_id>")
@any_user
def show(program_id: int):
    program = services.visible_program(program_id, current_user)
    enrollment = enrollment_of(program.id, current_user)
    questions = feedback.questions(program.id) if enrollment else []
    return render_template(
        "programs/show.html", program=program, enrollment=enrollment,
        joinable=is_joinable(program), now=utcnow(), questions=questions,
        answers=feedback.answers_of(program.id, current_user) if questions else {},
        status=ambassador_status(current_user),
        place=place_in_line(enrollment) if enrollment and enrollment.status == "waiting"
        else None,
        may_join_reason=_may_join_reason())


def _may_join_reason() -> str | None:
    try:
        check_may_join(current_user)
    except NotAllowed as exc:
        return str(exc)
    return None


def _not_allowed(program_id: int, exc: NotAllowed):
    """403 with the reason in words, and a way back (never a dead end)."""
    return render_template("programs/not_allowed.html", message=str(exc),
                           back=url_for("programs.show", program_id=program_id)), 403


def _back(program_id: int):
    return redirect(url_for("programs.show", program_id=program_id)), 303


@bp.route("/<int:program_id>/join", methods=["POST"])
@any_user
def join_program(program_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400, _("The page had expired: please press the button again."))
    try:
        result = join(program_id, current_user, waitlist=request.form.get("waitlist") == "1")
        db.session.commit()
    except ProgramFull as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _back(program_id)
    except NotAllowed as exc:
        db.session.rollback()
        return _not_allowed(program_id, exc)
    messages = {
        "enrolled": (_("You are in! Your seat is saved."), "success"),
        "waiting": (_("You are on the waiting list: we will write to you when a seat is "
                      "yours."), "info"),
        "already": (_("You had already joined: nothing changed."), "info"),
    }
    flash(*messages[result.outcome])
    return _back(program_id)


@bp.route("/<int:program_id>/leave", methods=["POST"])
@any_user
def leave_program(program_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400, _("The page had expired: please press the button again."))
    services.visible_program(program_id, current_user)
    if leave(program_id, current_user):
        db.session.commit()
        flash(_("You have left the program. You can join again while it is open."), "info")
    else:
        flash(_("You were not in this program: nothing changed."), "info")
    return _back(program_id)


@bp.route("/<int:program_id>/feedback", methods=["POST"])
@any_user
def answer_feedback(program_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400, _("The page had expired: please press the button again."))
    services.visible_program(program_id, current_user)
    values = {q.id: request.form.get(f"q{q.id}", "") for q in feedback.questions(program_id)}
    try:
        feedback.save_answers(program_id, current_user, values)
        db.session.commit()
    except NotAllowed as exc:
        db.session.rollback()
        return _not_allowed(program_id, exc)
    except IntegrityError:  # a double submit: the first one saved the same answers
        db.session.rollback()
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(program_id)
    flash(_("Thank you for your feedback!"), "success")
    return _back(program_id)


@bp.route("/<int:program_id>/event.ics")
@any_user
def calendar(program_id: int):
    program = services.visible_program(program_id, current_user)
    if not program.is_event:
        abort(404)
    link = absolute_url("programs.show", program_id=program.id)
    location = program.place or program.video_url
    if program.place and program.video_url:
        location = f"{program.place} ({program.video_url})"
    host = current_app.config["BASE_URL"].split("//", 1)[-1].split("/", 1)[0]
    body = event_calendar(
        uid=f"program-{program.id}@{host}", title=program.title,
        starts_at=program.starts_at, ends_at=program.ends_at, timezone=program.timezone,
        description=f"{program.description}\n\n{link}".strip(), location=location, url=link,
        stamp=utcnow(), modified=program.updated_at)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="program-{program.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:program_id>/cover.webp")
@any_user
def cover(program_id: int):
    program = services.visible_program(program_id, current_user)
    stored = services.cover_of(program.id)
    if stored is None:
        abort(404)
    etag = f'"cover-{program.id}-{int(stored.updated_at.timestamp())}"'
    if request.headers.get("If-None-Match") == etag:
        return "", 304
    response = make_response(stored.data)
    response.headers["Content-Type"] = "image/webp"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["ETag"] = etag
    return response
