"""The forum pages for everyone with an account: categories, threads, posts, search."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ambassador.auth.access import any_user
from ambassador.extensions import db
from ambassador.forum import pages, services
from ambassador.forum.forms import (
    IDEA_STATUS_LABELS,
    DigestForm,
    EditForm,
    MoveForm,
    ReplyForm,
    ReportForm,
    SeenForm,
    StatusForm,
    ThreadForm,
)
from ambassador.forum.models import Post
from ambassador.forum.moderation_views import bp as moderation_bp
from ambassador.forum.moderation_views import category_choices
from ambassador.forum.search import search as search_posts
from ambassador.portal.home import register_home_section
from ambassador.text import ascii_int

bp = Blueprint("forum", __name__, url_prefix="/forum")
bp.register_blueprint(moderation_bp)


def _home_section(user, since):
    """The portal home's block: the latest announcements, and how many are new."""
    threads = pages.latest_on_home(user)
    if not threads:
        return None
    new = sum(1 for t in threads if since is not None and t.created_at > since)
    return {"announcements": threads, "new": new}


@bp.record_once
def _register(state) -> None:
    register_home_section(state.app, "forum", "forum/_home.html", _home_section, order=30)


def _page() -> int:
    return ascii_int(request.args.get("page"), low=1) or 1


@bp.context_processor
def _labels():
    return {"idea_status_labels": IDEA_STATUS_LABELS, "max_body": services.MAX_BODY}


@bp.route("")
@any_user
def index():
    return render_template("forum/index.html", rows=pages.categories(current_user))


@bp.route("/c/<int:category_id>")
@any_user
def category(category_id: int):
    found = services.get_category(current_user, category_id)
    listing = pages.category_page(current_user, found, _page())
    return render_template("forum/category.html", listing=listing, category=found,
                           may_post=services.may_start_thread(current_user, found))


@bp.route("/c/<int:category_id>/new", methods=["GET", "POST"])
@any_user
def new_thread(category_id: int):
    found = services.get_category(current_user, category_id)
    if not services.may_start_thread(current_user, found):
        abort(403, _("Only the team posts in this category."))
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            thread = services.create_thread(current_user, found, form.title.data,
                                            form.body.data)
        except services.ForumError as exc:
            db.session.rollback()
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for(".thread", thread_id=thread.id)), 303
    status = 400 if request.method == "POST" else 200
    return render_template("forum/new_thread.html", form=form, category=found), status


def _thread_page(thread, form, status=200):
    view = pages.thread_page(current_user, thread, _page())
    staff = services.is_staff(current_user)
    move = status_form = None
    if staff:
        move = MoveForm(category_id=str(thread.category_id))
        move.category_id.choices = category_choices()
        status_form = StatusForm(status=thread.idea_status)
    why_not = None  # why this reader cannot reply, said where the reply box would be
    try:
        services.check_may_reply(current_user, thread)
    except services.Forbidden as exc:
        why_not = str(exc)
    return render_template(
        "forum/thread.html", view=view, thread=thread, form=form, staff=staff,
        may_reply=why_not is None, why_not=why_not, move_form=move, status_form=status_form,
        seen_form=SeenForm()), status


@bp.route("/t/<int:thread_id>")
@any_user
def thread(thread_id: int):
    found = services.get_thread(current_user, thread_id)
    form = ReplyForm()
    quote = ascii_int(request.args.get("quote"), low=1)
    if quote:
        quoted = db.session.get(Post, quote)
        if quoted is not None and quoted.thread_id == found.id and not quoted.deleted_at \
                and not quoted.hidden:
            name = quoted.author.display_name if quoted.author else _("someone")
            lines = "\n".join(f"> {line}" for line in quoted.body.splitlines())
            form.body.data = f"> **{name}:**\n{lines}\n\n"
            form.quote_of.data = str(quoted.id)
    return _thread_page(found, form)


@bp.route("/t/<int:thread_id>/reply", methods=["POST"])
@any_user
def reply(thread_id: int):
    found = services.get_thread(current_user, thread_id)
    services.check_may_reply(current_user, found)
    form = ReplyForm()
    if form.validate_on_submit():
        quote_id = ascii_int(form.quote_of.data, low=1)
        quoted = db.session.get(Post, quote_id) if quote_id else None
        try:
            post = services.reply(current_user, found, form.body.data, quoted)
        except services.ForumError as exc:
            db.session.rollback()
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            return redirect(url_for(".post", post_id=post.id)), 303
    return _thread_page(found, form, 400)


@bp.route("/t/<int:thread_id>/new")
@any_user
def first_new(thread_id: int):
    found = services.get_thread(current_user, thread_id)
    page, post_id = pages.first_new_page(current_user, found)
    anchor = f"post-{post_id}" if post_id else "latest"
    return redirect(url_for(".thread", thread_id=found.id, page=page, _anchor=anchor))


@bp.route("/t/<int:thread_id>/seen", methods=["POST"])
@any_user
def seen(thread_id: int):
    found = services.get_thread(current_user, thread_id)
    form = SeenForm()
    if not form.validate_on_submit():
        abort(400)
    services.mark_seen(current_user, found, form.last_post_id.data)
    db.session.commit()
    return "", 204


@bp.route("/t/<int:thread_id>/vote", methods=["POST"])
@any_user
def vote(thread_id: int):
    found = services.get_thread(current_user, thread_id)
    if not SeenForm().validate_on_submit():
        abort(400)
    voted = services.toggle_vote(current_user, found)
    db.session.commit()
    flash(_("Your vote counts.") if voted else _("Your vote was taken back."), "success")
    if request.form.get("back") == "category":
        return redirect(url_for(".category", category_id=found.category_id)), 303
    return redirect(url_for(".thread", thread_id=found.id)), 303


@bp.route("/p/<int:post_id>")
@any_user
def post(post_id: int):
    found = services.get_post(current_user, post_id)
    before = db.session.scalar(db.select(db.func.count()).select_from(Post).where(
        Post.thread_id == found.thread_id, Post.id < found.id)) or 0
    page = before // pages.POSTS_PER_PAGE + 1
    return redirect(url_for(".thread", thread_id=found.thread_id, page=page,
                            _anchor=f"post-{found.id}"))


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@any_user
def edit(post_id: int):
    found = services.get_post(current_user, post_id)
    services.check_own(current_user, found)
    thread = services.get_thread(current_user, found.thread_id)
    form = EditForm(body=found.body, title=thread.title)
    if form.validate_on_submit():
        try:
            services.edit_post(current_user, found, form.body.data,
                               form.title.data if found.is_first else None)
        except services.ForumError as exc:
            db.session.rollback()
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your post is saved."), "success")
            return redirect(url_for(".post", post_id=found.id)), 303
    status = 400 if request.method == "POST" else 200
    return render_template("forum/edit.html", form=form, post=found, thread=thread), status


@bp.route("/p/<int:post_id>/delete", methods=["POST"])
@any_user
def delete(post_id: int):
    found = services.get_post(current_user, post_id)
    if not SeenForm().validate_on_submit():
        abort(400)
    services.delete_post(current_user, found)
    db.session.commit()
    flash(_("Your post is deleted."), "success")
    return redirect(url_for(".post", post_id=found.id)), 303


@bp.route("/p/<int:post_id>/helpful", methods=["POST"])
@any_user
def helpful(post_id: int):
    found = services.get_post(current_user, post_id)
    if not SeenForm().validate_on_submit():
        abort(400)
    services.toggle_reaction(current_user, found)
    db.session.commit()
    return redirect(url_for(".post", post_id=found.id)), 303


@bp.route("/p/<int:post_id>/report", methods=["GET", "POST"])
@any_user
def report(post_id: int):
    found = services.get_post(current_user, post_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report_post(current_user, found, form.reason.data)
        except services.ForumError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Thank you: the moderators will look at this post."), "success")
            return redirect(url_for(".post", post_id=found.id)), 303
    status = 400 if request.method == "POST" else 200
    return render_template("forum/report.html", form=form, post=found), status


@bp.route("/search")
@any_user
def search():
    query = (request.args.get("q") or "").strip()
    results = search_posts(current_user, query, _page()) if query else None
    return render_template("forum/search.html", query=query, results=results)


@bp.route("/settings", methods=["GET", "POST"])
@any_user
def settings():
    form = DigestForm(digest=services.digest_enabled(current_user.id))
    if form.validate_on_submit():
        services.set_digest(current_user, form.digest.data)
        db.session.commit()
        flash(_("Your digest setting is saved."), "success")
        return redirect(url_for(".settings")), 303
    return render_template("forum/settings.html", form=form)
