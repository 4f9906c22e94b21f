"""Marketer pages for programs: create, edit, open and close, enrollments, messages, feedback."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ambassador.audit.services import record_action, record_export
from ambassador.auth.access import staff
from ambassador.auth.forms import EmptyForm
from ambassador.extensions import db
from ambassador.programs import exports, feedback, services
from ambassador.programs.covers import MAX_BYTES, CoverError, remove_cover, set_cover
from ambassador.programs.enrollment import enrolled_people
from ambassador.programs.forms import MessageForm, ProgramForm, QuestionForm
from ambassador.programs.notices import message_enrollees
from ambassador.utils import ServiceError

bp = Blueprint("manage_programs", __name__, url_prefix="/dashboard/programs")


AUDITED = ("title", "kind", "status", "seats", "opens_at", "closes_at", "starts_at", "ends_at",
           "timezone", "place", "video_url", "has_cover")


def _snapshot(program) -> dict:
    return {name: getattr(program, name) for name in AUDITED}


def _expired():
    abort(400, _("The page had expired: please press the button again."))


def _to_detail(program_id: int):
    return redirect(url_for("manage_programs.detail", program_id=program_id)), 303


@bp.route("")
@staff
def index():
    programs = services.all_programs()
    return render_template("programs/manage/index.html", programs=programs,
                           counts={p.id: services.counts(p.id) for p in programs})


def _save(form: ProgramForm, program=None):
    """Create or update from a valid form; a refused rule becomes a form error (None)."""
    try:
        fields = form.to_fields()
        before = _snapshot(program) if program is not None else None
        if program is None:
            program = services.create_program(fields)
        else:
            program = services.update_program(program, fields)
        upload = form.cover.data
        if upload and getattr(upload, "filename", ""):
            set_cover(program, upload.read(MAX_BYTES + 1))
        elif form.remove_cover.data:
            remove_cover(program)
        record_action(current_user, "program.created" if before is None else "program.edited",
                      program, before=before, after=_snapshot(program))
        db.session.commit()
    except CoverError as exc:
        db.session.rollback()
        form.cover.errors = [*form.cover.errors, str(exc)]
        return None
    except ServiceError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return None
    return program


@bp.route("/new", methods=["GET", "POST"])
@staff
def new():
    form = ProgramForm()
    if form.validate_on_submit():
        program = _save(form)
        if program is not None:
            flash(_("The program “%(title)s” is saved.", title=program.title), "success")
            return _to_detail(program.id)
    status = 400 if form.is_submitted() else 200
    return render_template("programs/manage/form.html", form=form, program=None), status


@bp.route("/<int:program_id>/edit", methods=["GET", "POST"])
@staff
def edit(program_id: int):
    program = services.get_program(program_id)
    form = ProgramForm()
    if not form.is_submitted():
        form.process(obj=program)
        form.fill_from(program)
    elif form.validate_on_submit():
        if _save(form, program) is not None:
            flash(_("Your changes are saved."), "success")
            return _to_detail(program.id)
        db.session.refresh(program)
    status = 400 if form.is_submitted() else 200
    return render_template("programs/manage/form.html", form=form, program=program), status


def _detail(program, message_form=None, question_form=None, status: int = 200):
    """The program's management page; a form given here shows its errors and its text."""
    return render_template(
        "programs/manage/detail.html", program=program, counts=services.counts(program.id),
        enrolled=enrolled_people(program.id, "enrolled"),
        waiting=enrolled_people(program.id, "waiting"),
        questions=feedback.questions(program.id), answers=feedback.all_answers(program.id),
        averages=feedback.rating_averages(program.id),
        message_form=message_form or MessageForm(formdata=None),
        question_form=question_form or QuestionForm(formdata=None)), status


@bp.route("/<int:program_id>")
@staff
def detail(program_id: int):
    return _detail(services.get_program(program_id))


@bp.route("/<int:program_id>/status/<any(open, closed, draft):status>", methods=["POST"])
@staff
def set_status(program_id: int, status: str):
    if not EmptyForm().validate_on_submit():
        _expired()
    program = services.get_program(program_id)
    before = program.status
    services.set_status(program, status)
    record_action(current_user, "program.status_changed", program, before={"status": before},
                  after={"status": status})
    db.session.commit()
    labels = {"open": _("The program is open: active ambassadors can join."),
              "closed": _("The program is closed: nobody can join any more. Enrollments and "
                          "feedback are kept."),
              "draft": _("The program is back to draft: ambassadors no longer see it.")}
    flash(labels[status], "success")
    return _to_detail(program.id)


@bp.route("/<int:program_id>/message", methods=["POST"])
@staff
def message(program_id: int):
    program = services.get_program(program_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _detail(program, message_form=form, status=400)
    try:
        sent, held_back = message_enrollees(program, form.subject.data, form.body.data,
                                            include_waiting=form.include_waiting.data)
        record_action(current_user, "program.messaged", program,
                      after={"subject": form.subject.data, "recipients": sent,
                             "held_back": held_back})
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(exc)]
        return _detail(program, message_form=form, status=exc.status_code)
    flash(_("Your message is on its way to %(n)d people, each in their language.", n=sent),
          "success")
    if held_back:
        flash(ngettext("%(num)d person was not written to: they unsubscribed, or had a mail "
                       "from us in the last few days.",
                       "%(num)d people were not written to: they unsubscribed, or had a mail "
                       "from us in the last few days.", held_back), "info")
    return _to_detail(program.id)


@bp.route("/<int:program_id>/questions", methods=["POST"])
@staff
def add_question(program_id: int):
    program = services.get_program(program_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _detail(program, question_form=form, status=400)
    try:
        question = feedback.add_question(program.id, form.kind.data, form.prompt.data)
        record_action(current_user, "program.question_added", program,
                      after={"question": question.prompt, "kind": question.kind})
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        form.prompt.errors = [*form.prompt.errors, str(exc)]
        return _detail(program, question_form=form, status=exc.status_code)
    flash(_("The question is added."), "success")
    return _to_detail(program.id)


@bp.route("/<int:program_id>/questions/<int:question_id>/delete", methods=["POST"])
@staff
def delete_question(program_id: int, question_id: int):
    if not EmptyForm().validate_on_submit():
        _expired()
    removed = feedback.remove_question(program_id, question_id)
    record_action(current_user, "program.question_removed", ("programs", program_id),
                  before={"question": removed})
    db.session.commit()
    flash(_("The question and its answers are removed."), "success")
    return _to_detail(program_id)


@bp.route("/<int:program_id>/enrollments.csv")
@staff
def enrollments_csv(program_id: int):
    program = services.get_program(program_id)
    record_export(current_user, "enrollments", {"program_id": program.id})
    db.session.commit()
    return exports.enrollments_response(program)


@bp.route("/<int:program_id>/feedback.csv")
@staff
def feedback_csv(program_id: int):
    program = services.get_program(program_id)
    record_export(current_user, "feedback", {"program_id": program.id})
    db.session.commit()
    return exports.feedback_response(program)
