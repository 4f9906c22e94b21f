"""The marketers' forum pages: categories, reports, and the moderation buttons' targets.

A blueprint nested in the forum's (`forum.moderation.*`, under /forum/moderation).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ambassador.auth.access import staff
from ambassador.extensions import db
from ambassador.forum import moderation, pages, programs_link, services
from ambassador.forum.forms import CategoryForm, MoveForm, SeenForm, StatusForm
from ambassador.forum.models import Category, Post
from ambassador.text import ascii_int

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def category_choices() -> list:
    """Every category, for the "move to" picker."""
    return [SelectChoice(str(c.id), c.name) for c in db.session.scalars(
        select(Category).order_by(Category.position, Category.id))]


def _program_choices() -> list:
    return [SelectChoice("", _("Everyone (not private)"))] + [
        SelectChoice(str(pid), name) for pid, name in programs_link.program_choices()]


def _category_form(category=None) -> CategoryForm:
    form = CategoryForm(obj=category) if category else CategoryForm()
    form.program_id.choices = _program_choices()
    if category is not None and request.method == "GET":
        form.program_id.data = str(category.program_id or "")
    return form


def _checked() -> None:
    """A moderation button's POST: refuse it when its form (CSRF token) does not validate."""
    if not SeenForm().validate_on_submit():
        abort(400)


def _back(thread_id: int):
    return redirect(url_for("forum.thread", thread_id=thread_id)), 303


@bp.route("/")
@staff
def index():
    return render_template("forum/moderation.html", form=_category_form(),
                           categories=pages.categories(current_user),
                           reports=moderation.open_reports())


def _save(category, form):
    program = ascii_int(form.program_id.data, low=1)
    return moderation.save_category(
        current_user, category, form.name.data, form.description.data, form.kind.data,
        form.staff_only.data, form.on_home.data, program)


@bp.route("/categories", methods=["POST"])
@staff
def create_category():
    form = _category_form()
    if form.validate_on_submit():
        try:
            _save(None, form)
        except services.ForumError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The category is created."), "success")
            return redirect(url_for(".index")), 303
    return render_template("forum/moderation.html", form=form,
                           categories=pages.categories(current_user),
                           reports=moderation.open_reports()), 400


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@staff
def edit_category(category_id: int):
    category = services.get_category(current_user, category_id)
    form = _category_form(category)
    if form.validate_on_submit():
        try:
            _save(category, form)
        except services.ForumError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The category is saved."), "success")
            return redirect(url_for(".index")), 303
    status = 400 if request.method == "POST" else 200
    return render_template("forum/category_form.html", form=form, category=category), status


@bp.route("/categories/<int:category_id>/move", methods=["POST"])
@staff
def move_category(category_id: int):
    category = services.get_category(current_user, category_id)
    _checked()
    moderation.move_category(current_user, category, -1 if request.form.get("up") else 1)
    db.session.commit()
    return redirect(url_for(".index")), 303


@bp.route("/threads/<int:thread_id>/flag", methods=["POST"])
@staff
def flag_thread(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    _checked()
    flag = request.form.get("flag", "")
    if flag not in moderation.THREAD_FLAGS:
        abort(400, _("Unknown moderation action."))
    moderation.set_thread_flag(current_user, thread, flag, request.form.get("value") == "1")
    db.session.commit()
    flash(_("Done."), "success")
    return _back(thread.id)


@bp.route("/threads/<int:thread_id>/move", methods=["POST"])
@staff
def move_thread(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    form = MoveForm()
    form.category_id.choices = category_choices()
    if not form.validate_on_submit():
        abort(400, _("Choose the category to move the thread to."))
    target = services.get_category(current_user, int(form.category_id.data))
    moderation.move_thread(current_user, thread, target)
    db.session.commit()
    flash(_("The thread is now in %(name)s.", name=target.name), "success")
    return _back(thread.id)


@bp.route("/threads/<int:thread_id>/status", methods=["POST"])
@staff
def idea_status(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400, _("Choose under review, planned, shipped or declined."))
    moderation.set_idea_status(current_user, thread, form.status.data)
    db.session.commit()
    flash(_("The idea's status is saved."), "success")
    return _back(thread.id)


@bp.route("/posts/<int:post_id>/hide", methods=["POST"])
@staff
def hide_post(post_id: int):
    post = db.session.get(Post, post_id) or abort(404)
    _checked()
    moderation.set_post_hidden(current_user, post, request.form.get("value") == "1")
    db.session.commit()
    return redirect(url_for("forum.post", post_id=post.id)), 303


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@staff
def resolve_report(report_id: int):
    _checked()
    resolution = request.form.get("resolution", "")
    if resolution not in moderation.RESOLUTIONS:
        abort(400, _("Choose to dismiss the report or to hide the post."))
    moderation.resolve_report(current_user, report_id, resolution)
    db.session.commit()
    flash(_("The report is resolved."), "success")
    return redirect(url_for(".index")), 303
